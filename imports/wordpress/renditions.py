"""The lead images' renditions, made after the import has committed."""

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, transaction
from PIL import Image

from articles.images import make_renditions
from articles.models import Article
from imports.wordpress.rows import BATCH

POOL_FROM = 50  # lead images; fewer are given their renditions in this process


def missing_renditions():
    """The lead images of imported stories that have no renditions yet, newest story first.

    Those of this run's new and changed images, and any an interrupted run left unmade.
    """
    names = (
        Article.objects.filter(wordpress__isnull=False, lead_image_renditions={})
        .exclude(lead_image="")
        .order_by("-published_at")
        .values_list("lead_image", flat=True)
    )
    return list(dict.fromkeys(names))


def _renditions_of(name):
    try:
        return name, make_renditions(name)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return name, None  # damaged past its end marker: the story keeps its original image


def make_renditions_for(names, *, progress=None):
    """The WebP and JPEG renditions of imported lead images, in worker processes; (made, failed).

    Made after the import commits: encoding is most of an image's cost, and until they
    exist a story shows its original image. Stories sharing an image share its renditions.
    Saved as they come, so an interrupted run keeps what it made.
    """
    unique = list(dict.fromkeys(names))
    done, made, failed = {}, 0, 0
    if len(unique) < POOL_FROM:
        results = map(_renditions_of, unique)
        pool = None
    else:
        # forked workers only read and write image files; they never touch the database
        # connection they inherit (and leave by os._exit, so they never close it either)
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context)
        results = pool.map(_renditions_of, unique, chunksize=20)
    try:
        for name, renditions in results:
            if renditions is None:
                failed += 1
            else:
                done[name] = renditions
                made += 1
            if len(done) >= BATCH:
                _save_renditions(done)
            if progress:
                progress(1)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _save_renditions(done)
    return made, failed


def _save_renditions(done):
    """Store made renditions on every story showing those images (one statement on PostgreSQL)."""
    if not done:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = Article._meta.db_table
            values = ", ".join(["(%s, %s::jsonb)"] * len(done))
            params = [v for name, r in done.items() for v in (name, json.dumps(r))]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS a SET lead_image_renditions = v.r "
                    f"FROM (VALUES {values}) AS v(name, r) "
                    "WHERE a.lead_image = v.name AND a.lead_image_renditions = '{}'::jsonb",
                    params,
                )
        else:
            for story in Article.objects.filter(
                lead_image__in=list(done), lead_image_renditions={}
            ):
                Article.objects.filter(pk=story.pk).update(
                    lead_image_renditions=done[story.lead_image.name]
                )
    done.clear()
