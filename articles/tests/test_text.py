"""Teasers, transliteration, sanitising: the text rules stories are stored by."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles import text
from articles.slugs import slugify_uk


@pytest.mark.parametrize(
    ("ukrainian", "latin"),
    [
        # examples from the official table (Cabinet of Ministers resolution No. 55, 2010)
        ("Алушта", "alushta"),
        ("Борщагівка", "borshchahivka"),
        ("Вишгород", "vyshhorod"),
        ("Гадяч", "hadiach"),
        ("Згорани", "zghorany"),
        ("Ґалаґан", "galagan"),
        ("Єнакієве", "yenakiieve"),
        ("Гаєвич", "haievych"),
        ("Жашків", "zhashkiv"),
        ("Іванків", "ivankiv"),
        ("Їжакевич", "yizhakevych"),
        ("Кадиївка", "kadyivka"),
        ("Йосипівка", "yosypivka"),
        ("Стрий", "stryi"),
        ("Олексій", "oleksii"),
        ("Хмельницький", "khmelnytskyi"),
        ("Щербухи", "shcherbukhy"),
        ("Юрій", "yurii"),
        ("Корюківка", "koriukivka"),
        ("Яготин", "yahotyn"),
        ("Костянтин", "kostiantyn"),
        ("Знам'янка", "znamianka"),
        ("Феодосія", "feodosiia"),
        ("Мар'їне", "marine"),
    ],
)
def test_slug_uses_official_ukrainian_transliteration(ukrainian, latin):
    assert slugify_uk(ukrainian) == latin


def test_slug_of_a_headline_drops_apostrophes_soft_signs_and_punctuation():
    assert slugify_uk("Кінь з'їв сіль: «Подвір'я» 2026!") == "kin-ziv-sil-podviria-2026"


def test_teaser_cuts_ukrainian_text_on_a_word_boundary_with_an_ellipsis():
    body = (
        "Лідери країн Європейського Союзу на саміті в Брюсселі погодили новий пакет "
        "фінансової та оборонної допомоги Україні на наступні два роки, повідомили дипломати."
    )
    teaser = text.make_teaser(body, 60)
    assert teaser.endswith("…")
    assert len(teaser) <= 61
    assert body.startswith(teaser[:-1])
    # the cut falls between words: the next character of the original is a space
    assert body[len(teaser) - 1] == " "


def test_teaser_leaves_short_text_untouched():
    assert text.make_teaser("Коротка новина.", 150) == "Коротка новина."


def test_teaser_of_one_long_word_is_cut_hard():
    assert text.make_teaser("а" * 300, 100) == "а" * 100 + "…"


def test_teaser_length_comes_from_settings(settings):
    settings.ARTICLES_TEASER_LENGTH = 20
    assert len(text.make_teaser("слово " * 30)) <= 21


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ("<p>Текст<script>alert(1)</script></p>", "<script"),
        ('<p><img src="x" onerror="alert(1)">Текст</p>', "onerror"),
        ('<p><a href="javascript:alert(1)">посилання</a></p>', "javascript:"),
        ('<p><iframe src="https://evil.example"></iframe></p>', "<iframe"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style="),
        ('<p><span style="width: expression(alert(1))">x</span></p>', "expression"),
        ("<p onclick='steal()'>x</p>", "onclick"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
    ],
)
def test_sanitiser_removes_dangerous_markup(dirty, forbidden):
    assert forbidden not in text.sanitize_html(dirty).lower()


def test_sanitiser_keeps_editorial_markup():
    html = (
        '<p>Текст <strong>жирний</strong> і <a href="https://example.com">посилання</a>.</p>'
        "<blockquote><p>«Цитата» — Автор.</p></blockquote>"
    )
    clean = text.sanitize_html(html)
    assert "<strong>жирний</strong>" in clean
    assert "<blockquote>" in clean
    assert 'href="https://example.com"' in clean


def test_plain_text_body_becomes_paragraphs():
    assert text.body_to_html("Перший.\n\nДругий <b>жирний</b>.\nЯкщо 5 < 6 & 7 > 3") == (
        "<p>Перший.</p><p>Другий <b>жирний</b>.</p><p>Якщо 5 &lt; 6 &amp; 7 &gt; 3</p>"
    )


def test_lemmatiser_brings_word_forms_together():
    assert "байден" in text.lemmatise("Байденом")
    assert "безпека" in text.lemmatise("безпеки")


_PIECES = [
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<h2>",
    "</h2>",
    "<li>",
    "</li>",
    "<blockquote>",
    '<a href="x?a=1&b=2" title=\'q"x>y\'>',
    "</a>",
    '<img src="a.jpg" alt="a > b < c">',
    "<img alt='<p>'>",
    "<!-- note -->",
    "<script>x<y</script>",
    "<style>a>b</style>",
    "&lt;",
    "&gt;",
    "&amp;",
    "&nbsp;",
    "&#x41;",
    "&quot;",
    "<",
    ">",
    '"',
    "'",
    "\n",
    "текст ",
    " word ",
    "<b",
    'x=">"',
    "<figure>",
    "<figcaption>",
    "\x00",
]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=40))
def test_the_text_of_sanitised_html_is_read_without_a_parser_alike(pieces):
    clean = text.sanitize_html("".join(pieces))
    assert text.sanitized_html_to_text(clean) == text.html_to_text(clean)
