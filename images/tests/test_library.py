"""The picture library: one image once, focal crops, renditions by a task, what readers get."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles import services
from articles.models import Article
from images import services as library
from images.models import Image
from images.renditions import SPECS, RenditionError, focal_box, open_upright
from images.tests.photos import photo, red_share
from tests.factories import ArticleFactory


def stored(name):
    with default_storage.open(name) as fh:
        return fh.read()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Commit callbacks (the queued tasks, run by the immediate backend in tests) run."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_same_bytes_are_one_picture_of_the_library(db, editor):
    first = library.add_image(file=photo(), alt="Площа", uploaded_by=editor)
    again = library.add_image(file=photo(name="copy.jpg"), alt="Інша назва")
    other = library.add_image(file=photo(size=(900, 600)), alt="Інша")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Image.objects.count() == 2
    assert first.uploaded_by == editor and first.file_size > 0 and len(first.content_hash) == 64


def test_a_portrait_phone_photo_is_upright_everywhere(db, run_tasks):
    # stored 1200×800 with "turn a quarter clockwise": a portrait 800×1200 photo
    with run_tasks():
        image = library.add_image(file=photo(orientation=6), alt="Портрет")
    image.refresh_from_db()
    assert (image.width, image.height) == (800, 1200)
    assert image.ready
    story = image.renditions["story"][-1]
    # a portrait is cut to 4:5, not shown taller than a phone's screen
    assert story["width"] / story["height"] == pytest.approx(4 / 5, abs=0.01)
    with PILImage.open(io.BytesIO(stored(story["jpg"]))) as made:
        assert made.height > made.width
        assert 0x0112 not in made.getexif()
    standin = image.renditions["standin"]["story"]
    assert standin["height"] > standin["width"]


def test_readers_get_no_camera_or_location_but_the_credit(db, run_tasks):
    with run_tasks():
        image = library.add_image(file=photo(), alt="Площа", credit="Олена Коваль / Укрінформ")
    image.refresh_from_db()
    for spec in ("story", "card", "social"):
        for fmt in ("avif", "webp", "jpg"):
            for entry in image.renditions[spec]:
                if fmt not in entry:
                    continue
                data = stored(entry[fmt])
                with PILImage.open(io.BytesIO(data)) as made:
                    exif = made.getexif()
                    assert 0x8825 not in exif and 0x0110 not in exif, (spec, fmt)
                assert b"Phone 15" not in data
                assert "Олена Коваль / Укрінформ".encode() in data, (spec, fmt)


def test_every_crop_keeps_the_focal_point(db, run_tasks):
    # a wide picture with the face (the red square) near the right edge
    with run_tasks():
        image = library.add_image(file=photo(size=(2400, 1000), mark_at=(0.9, 0.5)), alt="А")
        library.set_focal_point(image=image, x=0.9, y=0.5)
    image.refresh_from_db()
    assert image.ready
    for spec in ("card", "social", "16x9", "4x3", "1x1"):
        entry = image.renditions[spec][-1]
        assert red_share(stored(entry["jpg"])) > 0.01, spec
    sizes = {spec.name: image.renditions[spec.name][-1] for spec in SPECS}
    sizes = {name: (entry["width"], entry["height"]) for name, entry in sizes.items()}
    assert sizes["social"] == (1200, 630)
    assert sizes["16x9"] == (1200, 675) and sizes["4x3"] == (1200, 900)
    assert sizes["1x1"] == (1000, 1000)  # never enlarged
    # without a focal point the centre: the square is cut off in the square crop
    with run_tasks():
        library.set_focal_point(image=image, x=0.5, y=0.5)
    image.refresh_from_db()
    assert red_share(stored(image.renditions["1x1"][-1]["jpg"])) == 0


def test_focal_box_stays_inside_the_picture():
    assert focal_box(1000, 500, 1.0, 0.99, 0.5) == (500, 0, 1000, 500)
    assert focal_box(1000, 500, 1.0, 0.0, 0.5) == (0, 0, 500, 500)
    assert focal_box(500, 1000, 16 / 9, 0.5, 0.1) == (0, 0, 500, 281)


def test_a_decompression_bomb_is_refused(db, settings):
    big = io.BytesIO()
    PILImage.new("1", (9000, 9000)).save(big, "PNG")
    settings.ARTICLES_IMAGE_MAX_PIXELS = 40_000_000
    with pytest.raises(RenditionError):
        big.seek(0)
        open_upright(big)
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        library.add_image(file=SimpleUploadedFile("bomb.png", big.getvalue()), alt="Бомба")
    assert not Image.objects.exists()


def test_a_story_shows_a_stand_in_until_the_renditions_come(db, section, client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    story = ArticleFactory(section=section, slug="z-fotografiieiu")
    story = Article.objects.get(pk=story.pk)
    story.lead_image = photo(orientation=6)
    story.lead_image_alt = "Портрет"
    story.lead_image_credit = "Олена Коваль"
    services.save_story(article=story)
    story.refresh_from_db()
    assert story.picture is not None and story.picture.credit == "Олена Коваль"
    html = client.get(story.get_absolute_url()).content.decode()
    standin = story.lead_image_renditions["standin"]["story"]
    assert default_storage.url(standin["jpg"]) in html
    assert 'type="image/avif"' not in html
    assert f'width="{standin["width"]}" height="{standin["height"]}"' in html


def test_a_story_picture_is_avif_webp_and_jpeg_with_sizes(db, section, client, run_tasks):
    story = ArticleFactory(section=section, slug="z-fotografiieiu")
    story = Article.objects.get(pk=story.pk)
    story.lead_image = photo(size=(2000, 1333))
    story.lead_image_alt = "Площа"
    with run_tasks():
        services.save_story(article=story)
    story.refresh_from_db()
    assert story.picture.ready and "avif" in story.lead_image_renditions["story"][0]
    html = client.get(story.get_absolute_url()).content.decode()
    picture = html[html.index("<picture>") : html.index("</picture>")]
    assert '<source type="image/avif" srcset="' in picture
    assert '<source type="image/webp" srcset="' in picture
    assert "1600w" in picture and 'sizes="' in picture
    assert 'fetchpriority="high"' in picture and 'width="1600" height="1066"' in picture
    assert "social-1200.jpg" in html  # og:image: the 1200×630 card
    for spec in ("16x9", "4x3", "1x1"):
        assert f"/{spec}-1200.jpg" in html.split('application/ld+json">')[1]
    home = client.get(reverse("articles:home")).content.decode()
    assert "card-640.avif" in home or "card-320.avif" in home


def test_a_picture_of_the_library_is_reused_in_a_second_story(db, section, run_tasks):
    with run_tasks():
        image = library.add_image(file=photo(), alt="Площа", caption="Київ", credit="УНІАН")
    story = Article.objects.get(pk=ArticleFactory(section=section).pk)
    story.picture = image
    services.save_story(article=story)
    story.refresh_from_db()
    assert story.lead_image.name == image.file.name
    assert (story.lead_image_alt, story.lead_image_caption, story.lead_image_credit) == (
        "Площа",
        "Київ",
        "УНІАН",
    )
    assert story.lead_image_renditions == image.renditions


def test_uploading_a_photo_the_library_has_reuses_it(db, section):
    image = library.add_image(file=photo(), alt="Площа")
    story = Article.objects.get(pk=ArticleFactory(section=section).pk)
    story.lead_image = photo(name="again.jpg")
    story.lead_image_alt = "Площа"
    services.save_story(article=story)
    story.refresh_from_db()
    assert story.picture == image and story.lead_image.name == image.file.name
    assert Image.objects.count() == 1


def test_the_task_is_idempotent_and_skips_what_is_no_longer_wanted(db, settings):
    from images.tasks import make_renditions

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    image = library.add_image(file=photo(), alt="Площа")
    key = image.wanted_key
    assert make_renditions.call(image.pk, key) == "made"
    assert make_renditions.call(image.pk, key) == "already made"
    library.set_focal_point(image=image, x=0.2, y=0.2)
    assert make_renditions.call(image.pk, key) == "not wanted"
    image.refresh_from_db()
    assert not image.ready and set(image.renditions) == {"standin"}


@override_settings(ARTICLES_IMAGE_MAX_PIXELS=100)
def test_a_stored_file_too_large_is_not_retried(db, settings):
    from images.tasks import make_renditions

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    image = Image.objects.create(file="nothing.jpg", alt="x", width=10, height=10)
    default_storage.save("nothing.jpg", photo())
    assert make_renditions.call(image.pk, image.wanted_key) == "cannot be made"


def test_every_spec_has_a_jpeg():
    assert all("jpg" in spec.formats for spec in SPECS)
