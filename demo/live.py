"""The demo's live page: a running "Онлайн" with entries, two of them key events."""

from datetime import timedelta

from django.utils import timezone

from articles import services
from articles.models import Article
from articles.slugs import slugify_uk
from live.importing import EntrySpec, LiveSpec, write_live

TITLE = "Енергосистема взимку: онлайн"
TEASER = "Стан енергосистеми, графіки відключень і ремонти: головне за день у записах."
BODY = (
    "<p>Стежимо за станом енергосистеми після нічних атак. Нові записи з’являються вгорі; "
    "ключові події закріплено.</p>"
)
# (minutes ago, headline, text, key event, author)
ENTRIES = [
    (
        230,
        "",
        "Доброго ранку. Починаємо трансляцію: уночі енергетики працювали в шести областях.",
        False,
        "Олена Коваленко",
    ),
    (
        200,
        "Укренерго: графіки відключень у трьох областях",
        "Графіки погодинних відключень діють у Харківській, Сумській і Полтавській "
        "областях з 8:00 до 22:00.",
        True,
        "Андрій Шевчук",
    ),
    (
        170,
        "",
        "У Києві світло повертають чергами: спершу лікарні, водоканал і тепломережі.",
        False,
        "Олена Коваленко",
    ),
    (
        140,
        "",
        "«Ремонтні бригади працюють на всіх пошкоджених підстанціях», — повідомили в "
        "міністерстві енергетики.",
        False,
        "Марія Бондаренко",
    ),
    (
        95,
        "Імпорт електроенергії зріс удвічі",
        "Україна імпортує з Польщі, Словаччини та Румунії вдвічі більше, ніж учора.",
        False,
        "Андрій Шевчук",
    ),
    (
        60,
        "Відключення скасовано у Полтавській області",
        "Після ремонту підстанції графіки в Полтавській області скасовано до кінця дня.",
        True,
        "Марія Бондаренко",
    ),
    (
        25,
        "",
        "Просимо економно споживати електроенергію у вечірні години, з 17:00 до 22:00.",
        False,
        "Олена Коваленко",
    ),
]


def seed_live_page(section, authors):
    """The live page, once: a later run leaves it (and its entries) as editors left them."""
    slug = slugify_uk(TITLE, 190)
    if existing := Article.objects.filter(slug=slug).first():
        existing.is_new = False
        return existing
    now = timezone.now()
    article = Article(
        slug=slug,
        title=TITLE,
        teaser=TEASER,
        body=BODY,
        section=section,
        status=Article.Status.PUBLISHED,
        published_at=now - timedelta(minutes=240),
    )
    services.save_story(article=article)
    article.authors.set(authors)
    entries = [
        EntrySpec(now - timedelta(minutes=ago), body, headline, key, author)
        for ago, headline, body, key, author in ENTRIES
    ]
    write_live(article=article, spec=LiveSpec(started_at=article.published_at, entries=entries))
    article.is_new = True
    return article
