"""The preview of a story not saved yet: the add form as sent, shown as a reader will see it.

Nothing is written: no story, no tags, no held image, no history. The form is checked as a
save would check it (Ukrainian typography included), but without the workflow's rules, and a
field it refuses shows as left empty, named on the page. A story needs its headline and
section to be shown at all.
"""

from articles import services
from articles.editorial import drafts

NEEDED = ("title", "section")  # the story page is built around them


def missing(form):
    """The labels of the NEEDED fields the bound, checked `form` has no good value for."""
    return [str(form.fields[name].label) for name in NEEDED if not form.cleaned_data.get(name)]


def unsaved_story(form, formsets):
    """(story, shown, problems) for articles.views.preview_response from the checked add form.

    `story` is `form.instance` as a save would make it, in memory; `shown` its tags, bylines
    and Other news picks (articles.editorial.drafts); `problems` the labels of the fields
    in error, and of an image chosen but not yet uploaded (it has no address until saved).
    """
    shown = drafts.story_as_drafted(form, formsets)
    story = form.instance
    problems = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    for name in ("lead_image", "social_image"):
        chosen = getattr(story, name)
        if chosen and not chosen._committed:  # in the request only, not in the storage
            setattr(story, name, None)
            problems.append(str(form.fields[name].label))
    if story.picture_id and not story.lead_image:
        services.show_picture(story, story.picture)
    if not story.slug:
        story.slug = story.unique_slug(story.title)
    story.prepare()  # the cleaned text and the excerpt a save derives
    return story, shown, problems
