"""One story edit in the admin: what ArticleAdmin's hooks hand each other in a request."""

from dataclasses import dataclass

from articles.models import StoryDraft


@dataclass
class StoryEdit:
    """What one request's edit of a story carries from hook to hook.

    Django's admin calls change_view, get_form, get_formset_kwargs, save_model, log_change
    and response_change in turn, each with the request alone; this is what they share,
    made once per request by `StoryEdit.of(request)`.
    """

    user: object
    reading: bool = True  # a GET: the form is shown, not sent
    saving_draft: bool = False  # sent with "save the changes as a draft"
    draft: StoryDraft | None = None  # the story's draft of changes
    live_version: int | None = None  # the version stored now, while a revision is restored
    checks_rules: bool = True  # off for a draft's preview, which saves nothing
    step: str = ""  # what the save did in the workflow, for the story's history
    published_draft: bool = False  # the save published the story's draft of changes
    action: str = ""  # the publishing action the form was sent with (editorial.actions)
    stored: object = None  # the story as stored when the request came, None for a new one

    @classmethod
    def of(cls, request):
        """The edit `request` makes, made on first use."""
        edit = getattr(request, "story_edit", None)
        if edit is None:
            sending = request.method == "POST"
            edit = cls(
                user=request.user,
                reading=request.method == "GET",
                saving_draft=sending and "_save_draft" in request.POST,
                action=request.POST.get("_action", "") if sending else "",
            )
            request.story_edit = edit
        return edit

    @property
    def shown_draft(self):
        """The draft of changes a form shows: the story's, when the form is only read."""
        return self.draft if self.reading else None
