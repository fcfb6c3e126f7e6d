"""Flat pages (the newsroom's about, contacts, policy; an old site's pages): what they may
contain and how readers get them.

django.contrib.flatpages stores them. Its own view marks the title and content safe and
renders any template an editor names; ours does neither. The content is sanitised on every
save (`clean_flat_page`, called by a pre_save signal, so the admin, the WordPress import and
any other `save()` get it) with the allow-list of story bodies, and again when shown, for
rows written around `save()`. The title is plain text, escaped where shown, and the template
is one of FLAT_PAGE_TEMPLATES. Pages are answered like every page: shared-cacheable until
the next scheduled story, named by `xkey` so that saving or deleting one purges it.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.flatpages.forms import FlatpageForm
from django.contrib.flatpages.models import FlatPage
from django.core.exceptions import ValidationError
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles import text
from articles.delivery import edge
from articles.delivery.pagecache import public_cache
from articles.models import Article

DEFAULT_TEMPLATE = "flatpages/default.html"
# The templates a flat page may name; "" is the default one.
FLAT_PAGE_TEMPLATES = ("", DEFAULT_TEMPLATE)


def clean_flat_page(page):
    """Make a FlatPage fit to store: sanitised content, a plain title, a known template.

    Called on every save by a pre_save signal; a writer that goes around `save()`
    (bulk_create, update) calls it itself.
    """
    page.title = text.strip_control(page.title or "").strip()
    page.content = text.sanitize_html(page.content)
    if page.template_name not in FLAT_PAGE_TEMPLATES:
        page.template_name = ""
    return page


def own_route(path):
    """The match of one of our own URL patterns for `path` (either language), or None."""
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            return resolve(path)
        except Resolver404:
            return None


def story_address(path):
    """True when `path` is the address of one of our stories, published or not yet."""
    match = own_route(path)
    if match is None or match.view_name != "articles:detail":
        return False
    return Article.objects.filter(slug=match.kwargs["slug"]).exists()


def find(url):
    """The flat page of this site at `url`, or None."""
    return FlatPage.objects.filter(url=url, sites=settings.SITE_ID).first()


def flat_page_response(request, url):
    """The response for the flat page at `url` (a 301 to it without its slash), or None."""
    page = find(url)
    if page is None:
        if url.endswith("/") or not settings.APPEND_SLASH or find(url + "/") is None:
            return None
        return public_cache(HttpResponsePermanentRedirect(f"{request.path}/"))
    if page.registration_required and not request.user.is_authenticated:
        return redirect_to_login(request.path)
    template = page.template_name if page.template_name in FLAT_PAGE_TEMPLATES else ""
    content = mark_safe(text.sanitize_html(page.content))  # noqa: S308 (sanitised just now)
    response = render(request, template or DEFAULT_TEMPLATE, {"flatpage": page, "content": content})
    if page.registration_required:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    edge.tag(response, [edge.flat_page_key(page.pk), edge.NOTFOUND])
    return public_cache(response)


class FlatPageForm(FlatpageForm):
    """The admin's flat page form: only known templates; content cleaned as on every save."""

    def clean_url(self):
        url = super().clean_url()
        if own_route(url) is not None:
            raise ValidationError(
                _("This address belongs to the site's own pages (stories, sections, lists).")
            )
        return url

    def clean_template_name(self):
        name = self.cleaned_data.get("template_name", "")
        if name not in FLAT_PAGE_TEMPLATES:
            raise ValidationError(
                _("Leave this empty: flat pages are shown with the site's page template.")
            )
        return name
