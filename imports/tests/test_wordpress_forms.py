"""A form in a post: not brought (it would send nothing here), reported by post, and the
words a reader could read in it kept as text in its layout."""

import pytest

from imports.tests.wordpress import post_item, run, story, write_export
from imports.wordpress import importer
from imports.wordpress.content import convert_body
from imports.wordpress.forms import form_text

pytestmark = pytest.mark.django_db

FORM = """<p>Пишіть нам.</p>
<form action="https://old.example.ua/send" method="post">
  <fieldset>
    <legend>Ваші дані</legend>
    <label for="n">Ім'я</label> <input id="n" name="n" placeholder="Ім'я"><br>
    <input type="email" placeholder="Адреса пошти">
    <input type="hidden" name="token" value="secret-token">
  </fieldset>
  <label for="c">Місто</label>
  <select id="c"><option>Київ</option><optgroup label="Захід"><option>Львів</option>
  <option>Ужгород</option></optgroup></select>
  <!-- a comment -->
  <script>var hidden = "code";</script>
  <textarea placeholder="Ваш лист"></textarea>
  <label><input type="checkbox"> Згоден з <a href="https://old.example.ua/rules">правилами</a></label>
  <button type="button">Скасувати</button> <input type="submit" value="Надіслати">
</form>
<p>Дякуємо.</p>"""


def _post(post_id, body):
    return post_item(post_id, f"Допис {post_id}").replace(f"Текст Допис {post_id}.", body)


def test_a_forms_words_are_kept_in_its_layout_and_the_form_reported_by_post(tmp_path):
    out = run(write_export(tmp_path / "form.xml", _post(1, FORM), _post(2, "Без форми.")))
    body = story(1).body
    assert "<form" not in body and "<input" not in body and "<select" not in body
    for line in ("Ваші дані", "Ім'я", "Адреса пошти", "Місто", "Ваш лист"):
        assert f"<p>{line}</p>" in body.replace("&#x27;", "'").replace("’", "'"), line
    # the choices of a list as a list, a group's under its label
    assert "<li>Київ</li>" in body and "<li>Захід" in body
    assert body.index("<li>Захід") < body.index("<li>Львів</li>") < body.index("<li>Ужгород")
    assert 'Згоден з <a href="https://old.example.ua/rules"' in body
    assert "правилами</a> Скасувати Надіслати</p>" in body  # buttons' words
    assert "<p>Пишіть нам.</p>" in body and "<p>Дякуємо.</p>" in body
    # what a reader never saw
    for unseen in ("secret-token", "code", "comment", "send"):
        assert unseen not in body, unseen
    assert body.count("Ім") == 1  # a placeholder that says what its label says: once
    assert f"{importer.FORMS_DROPPED}: 1\n    #1 Допис 1\n" in out


def test_form_text_lays_out_lines_and_lists_without_markup_it_does_not_keep():
    value = form_text(
        '<p><label>A</label><input placeholder="B"></p><div>C<br>D</div>'
        "<select><option>E</option><option>F</option></select><style>x{}</style>"
        '<input type="image" alt="G"><input type="reset" value="H"><output>I</output>'
    )
    assert value.split() == [
        "<p>A",
        "B</p>",
        "<p>C</p>",
        "<p>D</p>",
        "<ul><li>E</li><li>F</li></ul>",
        "<p>G",
        "H",
        "I</p>",
    ]


def test_an_unclosed_form_is_counted_and_its_text_kept():
    converted = convert_body("<p>Before</p><form><label>Kept</label>")
    assert converted.forms == 1 and "Kept" in converted.html and "<form" not in converted.html
    converted = convert_body("<form><select><optgroup label=x><option>a<</form>")
    assert converted.forms == 1 and "<select" not in converted.html and "a&lt;" in converted.html
