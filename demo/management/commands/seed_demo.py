"""Demo news: sections, authors, stories with images, related links and votes."""

import io
import random
import secrets
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter
from taggit.models import Tag, TaggedItem
from tqdm import tqdm

from articles import neighbours, services, text
from articles.delivery.content_version import content_changed
from articles.models import Article, Author, FrontPagePick, RelatedLink, Section
from articles.slugs import slugify_uk
from demo import content as demo
from demo.live import seed_live_page
from images import body as text_pictures
from images import services as library
from ratings import services as rating_services

BATCH = 2000
# bulk stories whose Інші новини seed_demo computes; refresh_related does the rest
NEIGHBOURS_AT_MOST = 500
PALETTES = [
    ((11, 61, 145), (255, 213, 0)),
    ((30, 90, 60), (200, 230, 180)),
    ((120, 40, 40), (240, 200, 160)),
    ((40, 40, 70), (150, 180, 230)),
]


def demo_image(seed, width=1200, height=800):
    """A soft abstract picture made with Pillow, JPEG bytes."""
    rnd = random.Random(seed)
    dark, light = rnd.choice(PALETTES)
    image = Image.new("RGB", (width, height), dark)
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y, r = rnd.randint(0, width), rnd.randint(0, height), rnd.randint(60, 320)
        mix = rnd.random()
        colour = tuple(int(d + (lt - d) * mix) for d, lt in zip(dark, light, strict=True))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(24))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


GALLERY = [("Вечірній Хрещатик", (1200, 800)), ("Дніпро з Пішохідного мосту", (800, 1000))]


def gallery(seed):
    """Two pictures of the library in a row (a gallery on the story page), as figures with
    their captions and credit."""
    figures = []
    for n, (caption, size) in enumerate(GALLERY):
        picture = library.add_image(
            file=ContentFile(demo_image(seed * 10 + n + 100, *size), name=f"demo-gallery-{n}.jpg"),
            alt=f"Ілюстрація: {caption}",
            caption=caption,
            credit="Newsroom",
        )
        figures.append(
            f'<figure><img src="{text_pictures.reference(picture)}" alt="{picture.alt}">'
            f"<figcaption>{caption} · Фото: Newsroom</figcaption></figure>"
        )
    return "".join(figures)


class Command(BaseCommand):
    help = "Create demo sections, authors, stories (with images, related links and votes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles",
            type=int,
            default=40,
            help="How many stories in all (up to 100000; default 40).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--no-editor", action="store_true", help="Do not create the demo editor account."
        )

    def handle(self, *args, articles, seed, no_editor, **options):
        if not 1 <= articles <= 100_000:
            raise CommandError("--articles must be from 1 to 100000.")
        progress = options["verbosity"] > 0 and articles > 1000
        curated, bulk = self._stories(random.Random(seed), articles, progress)
        self._neighbours(bulk, progress=progress)
        password = None if no_editor else self._editor()
        if bulk or any(story.is_new for story in curated):
            content_changed()
        total = Article.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Demo news ready: {total} stories."))
        if password:
            self.stdout.write(
                self.style.WARNING(
                    f"Demo editor: username 'editor', password '{password}' "
                    "(shown once; sign in at /admin/)."
                )
            )

    @transaction.atomic
    def _stories(self, rnd, articles, progress):
        """(curated, bulk): `articles` stories in all, their sections, authors, tags,
        links, the newsroom's pages, the front page and votes, in one transaction."""
        sections = self._sections()
        authors = self._authors()
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in demo.TAGS}
        curated = self._curated_stories(rnd, sections, authors, tags, min(articles, 10))
        room = articles - len(curated) - 1  # N stories in all, the live page among them
        curated += self._translations(curated, authors, most=room)
        if articles > len(curated):  # one of them a live page (demo/live.py)
            curated.append(seed_live_page(sections["ukraina"], authors[:3]))
        count = articles - len(curated)
        bulk = self._bulk_stories(rnd, sections, authors, tags, count, progress=progress)
        self._related_links(rnd, curated)
        self._pages()
        self._front_page(curated)
        # votes for the stories this run made: a second run adds none
        self._votes(rnd, [a for a in curated if a.is_new] + bulk[:2000])
        return curated, bulk

    def _neighbours(self, bulk, progress):
        """Інші новини of the newest bulk stories (the curated ones got theirs on saving)."""
        newest = sorted(bulk, key=lambda a: a.published_at, reverse=True)[:NEIGHBOURS_AT_MOST]
        for article in tqdm(newest, disable=not progress, unit="story", file=self.stdout):
            neighbours.refresh_story(article_id=article.pk)
        if len(bulk) > len(newest):
            self.stdout.write(
                f"Інші новини computed for the {len(newest)} newest stories; "
                "`manage.py refresh_related` computes the rest."
            )

    def _sections(self):
        return {
            slug: Section.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "description": desc,
                    "position": i,
                    "colour": colour,
                },
            )[0]
            for i, (name, slug, desc, colour, name_en) in enumerate(demo.SECTIONS)
        }

    def _pages(self):
        site = Site.objects.get_current()
        for url, title, content in demo.PAGES:
            page, _created = FlatPage.objects.get_or_create(
                url=url, defaults={"title": title, "content": content}
            )
            page.sites.add(site)

    def _front_page(self, curated):
        """The editors' picks: the main story and three top stories."""
        if FrontPagePick.objects.exists():
            return
        for position, article in enumerate(curated[:4]):
            FrontPagePick.objects.create(article=article, position=position)

    def _authors(self):
        authors = []
        for n, name in enumerate(demo.AUTHORS):
            author = Author.objects.get_or_create(slug=slugify_uk(name), defaults={"name": name})[0]
            if not author.photo:
                author.bio = author.bio or demo.AUTHOR_BIOS.get(name, "")
                author.photo.save(
                    f"demo-{author.slug}.jpg",
                    ContentFile(demo_image(100 + n, 400, 400)),
                    save=False,
                )
                services.save_author(author=author)
            authors.append(author)
        return authors

    def _curated_stories(self, rnd, sections, authors, tags, count):
        now = timezone.now()
        stories = []
        for i, data in enumerate(demo.STORIES[:count]):
            slug = slugify_uk(data["title"], 190)
            byline = rnd.sample(authors, rnd.randint(1, 2))  # drawn every run: the same plan
            article = Article.objects.filter(slug=slug).first()
            if article is not None:  # seeded before: left as it is, edits and all
                article.is_new = False
                stories.append(article)
                continue
            article = Article(slug=slug)
            article.is_new = True
            article.title = data["title"]
            article.section = sections[data["section"]]
            article.source = data["source"]
            article.teaser = demo.teaser(data["paragraphs"])
            article.body = "".join(
                f"<p>{p}</p>" if not p.startswith("«") else f"<blockquote><p>{p}</p></blockquote>"
                for p in data["paragraphs"]
            )
            article.status = Article.Status.PUBLISHED
            article.published_at = now - timedelta(hours=i * 3 + 1)
            if i == 0:  # a gallery in the text, as the editor's picture button inserts one
                article.body += gallery(seed=i)
            if not article.lead_image and i % 3 != 2:
                article.lead_image.save(
                    f"demo-{slug[:40]}.jpg", ContentFile(demo_image(i)), save=False
                )
                article.lead_image_alt = f"Ілюстрація до новини: {data['title']}"
                article.lead_image_caption = "Ілюстративне зображення"
                article.lead_image_credit = "Newsroom"
            services.save_story(article=article)
            article.authors.set(byline)
            article.tags.set([tags[t] for t in data["tags"]])
            stories.append(article)
        return stories

    def _translations(self, curated, authors, most):
        """The English edition: translations of the first curated stories (at most `most`),
        each linked to its original (same section and picture), credited to a translator."""
        made = []
        for index, data in demo.TRANSLATIONS.items():
            if index >= min(len(curated), most):
                break
            original = curated[index]
            slug = slugify_uk(data["title"], 190)
            article = Article.objects.filter(slug=slug).first()
            if article is not None:  # seeded before: left as it is
                article.is_new = False
                made.append(article)
                continue
            article = Article(slug=slug, language="en", translation_of=original)
            article.is_new = True
            article.title = data["title"]
            article.teaser = demo.teaser(data["paragraphs"])
            article.body = "".join(f"<p>{p}</p>" for p in data["paragraphs"])
            for name in ("section", "source", "picture", "lead_image", "lead_image_credit"):
                setattr(article, name, getattr(original, name))
            if original.lead_image or original.picture_id:
                article.lead_image_alt = f"Illustration: {data['title']}"
                article.lead_image_caption = "Illustration"
            article.status = Article.Status.PUBLISHED
            article.published_at = original.published_at + timedelta(minutes=30)
            services.save_story(article=article)
            article.authors.set(authors[-1:])
            made.append(article)
        return made

    def _bulk_stories(self, rnd, sections, authors, tags, count, progress):
        """`count` stories made from the pieces in demo.content, the same ones every run.

        Their headlines, slugs and times follow from the seed alone, so a second run finds
        them all and adds none; a run with a larger N adds only the ones it lacks.
        """
        if count <= 0:
            return []
        now = timezone.now()
        plan = self._bulk_plan(random.Random(rnd.random()), count)
        existing = set(Article.objects.values_list("slug", flat=True))
        missing = [entry for entry in plan if entry[0] not in existing]
        created = []
        bar = tqdm(total=len(missing), disable=not progress, unit="story", file=self.stdout)
        for start in range(0, len(missing), BATCH):
            batch = []
            for slug, title, section, n in missing[start : start + BATCH]:
                # four different sentences: a reader never meets one twice in a story
                detail, *more = rnd.sample(demo.SENTENCES, 4)
                lead = f"{title}. {detail}"
                paragraphs = [lead, *more]
                paragraphs.insert(2, rnd.choice(demo.QUOTES))
                body = "".join(f"<p>{p}</p>" for p in paragraphs)
                plain = text.html_to_text(body)
                batch.append(
                    Article(
                        title=title,
                        slug=slug,
                        section=sections[section],
                        body=body,
                        teaser=detail,  # a whole sentence, not the headline again
                        excerpt=text.make_teaser(detail),
                        search_document=text.search_document(title, plain),
                        status=Article.Status.PUBLISHED,
                        # spread over the past: a story every ~20 minutes
                        published_at=now - timedelta(minutes=30 + (n + 10) * 20 + n % 10),
                    )
                )
            objs = Article.objects.bulk_create(batch)
            if objs and objs[0].pk is None:  # backends that return no ids
                objs = list(Article.objects.filter(slug__in=[a.slug for a in batch]))
            self._bulk_relations(rnd, objs, authors, list(tags.values()))
            created.extend(objs)
            bar.update(len(batch))
        bar.close()
        return created

    def _bulk_plan(self, rnd, count):
        """[(slug, headline, section slug, n)]: every headline once before any repeats."""
        pool = [(title, section) for section in demo.BULK for title in demo.headlines(section)]
        rnd.shuffle(pool)
        plan, used = [], {}
        for n in range(count):
            title, section = pool[n % len(pool)]
            base = slugify_uk(title, 180)
            used[base] = used.get(base, 0) + 1
            slug = base if used[base] == 1 else f"{base}-{used[base]}"
            plan.append((slug, title, section, n))
        return plan

    def _bulk_relations(self, rnd, objs, authors, tags):
        through = Article.authors.through
        links, tagged = [], []
        ct = ContentType.objects.get_for_model(Article)
        for article in objs:
            for author in rnd.sample(authors, rnd.randint(1, 2)):
                links.append(through(article_id=article.pk, author_id=author.pk))
            for tag in rnd.sample(tags, rnd.randint(1, 3)):
                tagged.append(TaggedItem(content_type=ct, object_id=article.pk, tag=tag))
        through.objects.bulk_create(links, batch_size=BATCH)
        TaggedItem.objects.bulk_create(tagged, batch_size=BATCH)

    def _related_links(self, rnd, curated):
        for article in curated[:5]:
            if article.related_links.exists():
                continue
            picks = [a for a in curated if a.pk != article.pk]
            for position, target in enumerate(rnd.sample(picks, min(2, len(picks)))):
                RelatedLink.objects.create(article=article, target=target, position=position)
        if curated and not curated[0].related_links.filter(target__isnull=True).exists():
            RelatedLink.objects.create(
                article=curated[0],
                position=9,
                url="https://www.president.gov.ua/",
                title="Офіційне інтернет-представництво Президента України",
            )

    def _votes(self, rnd, stories):
        scores = {}
        for article in stories:
            n = rnd.choice([0, 1, 2, 3, 5, 8, 13, 21])
            mean = rnd.uniform(2.5, 4.8)
            scores[article.pk] = [max(1, min(5, round(rnd.gauss(mean, 1)))) for _ in range(n)]
        rating_services.add_anonymous_votes(model=Article, field="rating", scores_by_object=scores)

    def _editor(self):
        if User.objects.filter(username="editor").exists():
            return None
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            "editor",
            email="editor@example.com",
            password=password,
            is_staff=True,
            first_name="Демо",
            last_name="Редактор",
        )
        user.groups.add(Group.objects.get(name="Editors"))
        return password
