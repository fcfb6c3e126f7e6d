"""import_wordpress and the picture library: the pictures in the posts' texts become the
library's (once each, alt text and caption kept) and readers get their clean renditions."""

import io

import pytest
from PIL import Image as PILImage

from articles.models import Article
from images import body as text_pictures
from images.models import Image
from imports.tests.wordpress import UKRAINIAN, run, story, write_export
from imports.wordpress import renditions

pytestmark = pytest.mark.django_db

GPS = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}


def phone_photo(path):
    """A JPEG as a reporter's phone leaves it: a camera model and a GPS position."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = PILImage.Exif()
    exif[0x0110] = "Phone 15"
    exif[0x8825] = GPS
    PILImage.new("RGB", (640, 480), (40, 90, 200)).save(path, "JPEG", exif=exif.tobytes())


def post_with_text(post_id, title, text):
    return (
        f"<item><title>{title}</title><wp:post_id>{post_id}</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_date_gmt>2024-01-02 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[{text}]]></content:encoded></item>"
    )


def captioned(src, alt, caption):
    return f'[caption width="640"]<img src="{src}" alt="{alt}" width="640" /> {caption}[/caption]'


def test_pictures_in_the_text_become_the_librarys_once_with_alt_and_caption(
    tmp_path, uploads, client, django_capture_on_commit_callbacks
):
    phone_photo(uploads / "2024/01/maidan.jpg")
    src = "https://old.example.ua/wp-content/uploads/2024/01/maidan.jpg"
    first = captioned(src, "Майдан уранці", "Майдан. Фото: Ігор Бойко")
    export = write_export(
        tmp_path / "export.xml",
        post_with_text(1, "Перша", f"Вступ.\n\n{first}\n\nКінець."),
        post_with_text(2, "Друга", f'Ще раз: <img src="{src}" alt="Майдан">'),
    )
    with django_capture_on_commit_callbacks(execute=True):
        out = run(export, media_dir=uploads)
    assert "Pictures in the text: 2 stories now show the library's." in out
    image = Image.objects.get()  # the same bytes in two posts: one picture
    assert (image.alt, image.caption) == ("Майдан уранці", "Майдан. Фото: Ігор Бойко")
    one, two = story(1), story(2)
    assert text_pictures.library_ids(one.body) == [image.pk] == text_pictures.library_ids(two.body)
    assert "Майдан. Фото: Ігор Бойко</figcaption>" in one.body
    assert "/media/wordpress/" not in one.body + two.body
    assert set(image.in_text_of.all()) == {one, two}
    # a post without a featured image shows its text's first picture in lists
    assert one.picture == image and one.picture_in_text

    image.refresh_from_db()
    assert image.ready
    page = client.get(one.get_absolute_url()).content.decode()
    assert "<picture>" in page and "/media/wordpress/" not in page
    for entry in image.renditions["story"]:
        with image.file.storage.open(entry["jpg"]) as fh:
            made = PILImage.open(io.BytesIO(fh.read()))
            assert 0x8825 not in made.getexif() and 0x0110 not in made.getexif()

    again = run(export, media_dir=uploads)  # nothing left to do
    assert "Pictures in the text" not in again
    assert Image.objects.count() == 1


def test_a_picture_linked_to_its_file_loses_the_link_that_would_break(tmp_path, uploads):
    phone_photo(uploads / "2024/01/boat.jpg")
    src = "https://old.example.ua/wp-content/uploads/2024/01/boat.jpg"
    linked = f'<a href="{src}"><img src="{src}" alt="Човен"></a>'
    export = write_export(tmp_path / "linked.xml", post_with_text(1, "Човен", linked))
    run(export, media_dir=uploads)
    body = story(1).body
    image = Image.objects.get()
    assert text_pictures.library_ids(body) == [image.pk]
    assert "<a " not in body and "/media/wordpress/" not in body


def test_a_picture_that_cannot_be_had_is_kept_and_reported(tmp_path, settings):
    name = "wordpress/2024/01/broken.jpg"
    path = tmp_path / "media" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 not really a JPEG \xff\xd9")
    stored = text_pictures.media_prefix() + name
    body = f'<p>Текст.</p><figure><img src="{stored}" alt="x"></figure>'
    from tests.factories import ArticleFactory

    imported = ArticleFactory(body=body)
    from articles.models import WordPressItem

    WordPressItem.objects.create(article=imported, wordpress_id=7)
    changed, problems = renditions.texts_into_library(renditions.stories_with_pictures_to_adopt())
    assert changed == 0 and len(problems) == 1 and stored in problems[0]
    assert Article.objects.get(pk=imported.pk).body == body
    assert not Image.objects.exists()


def test_the_fixtures_inline_images_join_the_library(uploads):
    run(UKRAINIAN, media_dir=uploads)
    budget = story(1001)
    ids = text_pictures.library_ids(budget.body)
    # the fixture's images are the same bytes: the lead image's picture, once
    assert ids and set(ids) <= set(Image.objects.values_list("pk", flat=True))
    assert 'alt="Верховна Рада"' in budget.body and "/media/wordpress/" not in budget.body
