"""The one message of a failure on the booking, settings, cancel, add-meeting and change-creator pages, with
its one next step as a control (views/outcome.py's Outcome, shown by templates/_outcome.html).

Every page says what happened in its message; this picks the control in it: Try again (the form re-posted
with what was typed, or the page read again), Change creator (an office admin; others copy a request for
one), an administrator for the organization's DingTalk connection, or look for a booking that may exist.
"""

from urllib.parse import urlencode

from django.urls import reverse

from .. import dingtalk, services, texts
from ..dingtalk import credentials
from .meetings import pending_check
from .outcome import (
    TRY_AGAIN,
    NextStep,
    Outcome,
    change_creator,
    for_code,
    outcome_from_message,
    try_again,
)

LOOK_FOR_IT = "look_for_it"  # a booking whose answer was lost: find it before booking again


def for_error(error: services.MeetingError) -> str:
    """The next step for a use case's failure, from the DingTalk failure behind it (its __cause__)."""
    if isinstance(error, services.MeetingCreateUnknown):
        return LOOK_FOR_IT
    cause = error.__cause__
    if isinstance(cause, dingtalk.DingTalkError):
        return for_code(cause.code or type(cause).__name__)
    if isinstance(cause, credentials.CredentialsError):
        return for_code(type(cause).__name__)
    return ""


def outcome(
    error: services.MeetingError,
    *,
    request,
    level: str = "error",
    form_id: str = "",
    typed: bool = True,
    meeting=None,
    organization=None,
    creator_field: str = "",
    code: str | None = None,
) -> Outcome:
    """The page's one message for `error`, its request ID last, with the one next step: Try again submits the
    form `form_id` (which holds what was typed, unless `typed` is False) or, without one, reads the page
    again; Change creator needs the `meeting` (a booking's form has the creator's field, `creator_field`, instead);
    an administrator repairs the `organization`'s connection. `code`: the step is chosen by an earlier attempt's
    stored code (for_code) instead of `error`'s cause."""
    text, request_id = texts.split_request_id(error.message)
    step, wait = None, ""
    kind = for_error(error) if code is None else for_code(code)
    if isinstance(error, services.MeetingConflict) and meeting is not None:
        # The meeting is locked by a save under way, or one being checked with DingTalk: say how long in words
        # (from the lock and the database's clock, as the meeting's page does), and Try again after it.
        meeting.refresh_from_db(fields=["update_lease_until"])
        pending = pending_check(meeting)
        wait, kind, level = (pending["wait"] if pending else ""), TRY_AGAIN, "warning"
    match kind:
        case "try_again" if form_id:
            step = try_again(form_id) if typed else NextStep(label=str(texts.NEXT_TRY_AGAIN), form=form_id)
        case "try_again":
            step = NextStep(label=str(texts.NEXT_TRY_AGAIN), url=request.get_full_path())
        case "change_creator" if meeting is not None:
            step = change_creator(meeting, user=request.user, request=request, request_id=request_id)
        case "change_creator" if creator_field:
            step = NextStep(label=str(texts.NEXT_CORRECT_CREATOR), url=f"#{creator_field}")
        case "ask_admin" if organization is not None:
            step = _repair_connection(organization, request=request, what=text, request_id=request_id)
        case "look_for_it":
            number = getattr(error, "meeting_number", "")
            url = reverse("meetings:add")
            step = NextStep(
                label=str(texts.NEXT_ADD_BY_NUMBER if number else texts.NEXT_ADD_MEETING),
                url=f"{url}?{urlencode({'meeting_number': number})}" if number else url,
            )
    return outcome_from_message(level, text, request_id=request_id, next_step=step, wait=wait)


def _repair_connection(organization, *, request, what: str, request_id: str) -> NextStep:
    """An administrator opens the organization in the admin; anyone else copies a request for one."""
    if request.user.is_staff:
        url = reverse("admin:meetings_organization_change", args=[organization.pk])
        return NextStep(label=str(texts.NEXT_OPEN_CONNECTION), url=url)
    note = texts.NOTE_REPAIR_CONNECTION % {"organization": organization.name, "what": what}
    if request_id:
        note = f"{note} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"
    return NextStep(
        label=str(texts.NEXT_ASK_ADMINISTRATOR), copy=str(note), help=str(texts.NEXT_ASK_ADMINISTRATOR_HELP)
    )
