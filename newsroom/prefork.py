"""Work the app server's master does once, before it forks its workers.

gunicorn preloads the app (newsroom/gunicorn.conf.py) and forks each worker from it, at
start and every time a worker is recycled after max_requests. What is loaded here is in
every worker from its first request, shared between them until written: without it a
fresh worker's first page costs some 60 ms of CPU (compiling the templates, building the
URL resolver for each language, building the SQL of the reads a story page makes,
loading the lemmatiser's dictionaries). The SQL needs one read of the database (the
content types); the connection is closed again before the fork, as one shared by every
worker would be unusable, and a database not yet up only leaves that part to the workers.

Last, what the master holds is moved out of the garbage collector's sight (gc.freeze):
a worker's full collections no longer walk the hundred thousand objects of Django and
the app every time, nor write to them, which would copy the pages they share.
"""

import gc
import sys
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.template import engines
from django.template.utils import get_app_template_dirs
from django.urls import resolve, reverse
from django.utils import translation

from articles import related, story_reads, translations
from articles.search import load_dictionaries
from newsroom import db_router

TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


def warm_up():
    """Everything below, in the process that is about to fork."""
    compile_templates()
    build_url_resolvers()
    learn_story_reads()
    db_router.pin_is_valid("")  # compiles the signer's patterns
    load_dictionaries()
    gc.collect()  # no garbage is kept for good
    gc.freeze()


def site_template_names():
    """The names of the site's own templates (not Django's, and not the admin's)."""
    base = Path(settings.BASE_DIR)
    installed = [Path(sys.prefix), Path(sys.base_prefix)]  # a virtualenv may be under base
    directories = [Path(d) for d in engines["django"].engine.dirs]
    directories += [Path(d) for d in get_app_template_dirs("templates")]
    names = set()
    for directory in directories:
        if not directory.is_relative_to(base) or not directory.is_dir():
            continue  # an installed package's templates
        if any(directory.is_relative_to(prefix) for prefix in installed):
            continue
        for path in directory.rglob("*"):
            name = path.relative_to(directory).as_posix()
            if path.suffix in TEMPLATE_SUFFIXES and not name.startswith("admin/"):
                names.add(name)
    return sorted(names)


def compile_templates():
    """Compile the site's templates into the template loader's cache (with DEBUG off the
    loader keeps what it compiled; with it on, templates are read again on each use)."""
    engine = engines["django"]
    for name in site_template_names():
        engine.get_template(name)


def build_url_resolvers():
    """Build the URL resolver's reverse tables and compile its patterns, both of which it
    keeps per language."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            resolve(reverse("articles:detail", kwargs={"slug": "prefork"}))


def learn_story_reads():
    """Build the SQL of a story page's reads (articles.prepared) for every database."""
    try:
        for alias in settings.DATABASES:
            story_reads.STORY.learn(alias)
            story_reads.TAGS.learn(alias)
            story_reads.AUTHORS.learn(alias)
            translations.PUBLIC_GROUP.learn(alias)
            related.STORED_BLOCK.learn(alias, settings.ARTICLES_RELATED_COUNT)
    except DatabaseError:
        pass  # not reachable yet: each worker builds them on its first story page
    finally:
        connections.close_all()
