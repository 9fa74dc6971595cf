"""One pattern for every failure and uncertain outcome a page shows (issue 22): what happened and whether
anything changed in DingTalk (one text), the one next step as a control, DingTalk's request ID in small print
at the end. The page passes an `Outcome` as `outcome`; templates/_outcome.html (included by base.html) shows
it as the page's one message, and moves the focus to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .. import dingtalk, texts


@dataclass(frozen=True)
class NextStep:
    """One control: a link (`url`), a button submitting the form `form` (the typed values are in it), or a
    button copying `copy` (a note to send someone). `help` is a short line beside it."""

    label: str
    url: str = ""
    form: str = ""
    copy: str = ""
    help: str = ""


@dataclass(frozen=True)
class Outcome:
    """`level`: "error" (nothing changed), "warning" (unknown, stopped), "success" or "info". `text` says what
    happened and whether DingTalk changed; `wait`, when the page waits for DingTalk, says how long, and is kept
    current by static/js/poll.js (the element's id is `outcome-wait`)."""

    level: str
    text: str
    request_id: str = ""
    next_step: NextStep | None = None
    wait: str = ""

    @property
    def request_id_text(self) -> str:
        return texts.REQUEST_ID_SUFFIX % {"request_id": self.request_id} if self.request_id else ""

    @property
    def role(self) -> str:
        return "alert" if self.level in ("error", "warning") else "status"


def outcome_from_message(level: str, message: str, *, request_id: str = "", **kwargs) -> Outcome:
    """An Outcome from a sentence that may carry "DingTalk request ID: …" anywhere in it (error_message
    appends it; stored rows keep it): the ID leaves the text, to be shown in small print at the end."""
    text, found = texts.split_request_id(str(message))
    return Outcome(level=level, text=text, request_id=request_id or found, **kwargs)


# --- the next steps --------------------------------------------------------------------------------------


def try_again(form: str) -> NextStep:
    """Submit the form again: the typed values are in it."""
    return NextStep(label=str(texts.NEXT_TRY_AGAIN), form=form, help=str(texts.NEXT_TRY_AGAIN_HELP))


def ask_office_admin(note: str) -> NextStep:
    """Helpdesk cannot act: a button copying a note for an office admin (what, where, the request ID)."""
    return NextStep(label=str(texts.NEXT_ASK_OFFICE_ADMIN), copy=note, help=str(texts.NEXT_ASK_OFFICE_ADMIN_HELP))


def change_creator(meeting, *, user, request, request_id: str = "") -> NextStep:
    """DingTalk refuses the stored creator: the linked Change creator, or -- for someone who may not change
    it -- a note asking an office admin to."""
    url = reverse("meetings:creator", args=[meeting.pk])
    if user.has_perm("meetings.add_meeting"):
        return NextStep(label=str(texts.NEXT_CHANGE_CREATOR), url=url)
    note = texts.NOTE_CHANGE_CREATOR % {
        "title": meeting.title,
        "url": request.build_absolute_uri(url),
        "request_id": request_id or "-",
    }
    return ask_office_admin(str(note))


def ask_office_admin_about(meeting, *, request, what: str, request_id: str = "") -> NextStep:
    """A note for an office admin about a failure on `meeting` that only they can mend (`what` says it)."""
    url = request.build_absolute_uri(reverse("meetings:edit", args=[meeting.pk]))
    note = texts.NOTE_ASK_ADMIN % {"title": meeting.title, "url": url, "what": what}
    if request_id:
        note = f"{note} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}"
    return ask_office_admin(str(note))


# The one next step for an attempt that failed, by its code (shared by the edit page and every other page).
TRY_AGAIN = "try_again"
CHANGE_CREATOR = "change_creator"
ASK_ADMIN = "ask_admin"

# By the code an attempt keeps (MeetingChange.dingtalk_code: DingTalk's code, or the error type's name when
# DingTalk gave none, as services.audit.note_error writes it). Passing failures where nothing was changed:
# try again. DingTalk refusing the stored creator: change it. The organization's app, token or quota: only
# an administrator can help. Anything else (a refused value): the message says what to correct.
_BY_CODE = {
    dingtalk.Code.SYSTEM_ERROR: TRY_AGAIN,
    **dict.fromkeys(dingtalk.Code.QPS_LIMITS, TRY_AGAIN),
    "DingTalkTimeout": TRY_AGAIN,
    "DingTalkConnectionRefused": TRY_AGAIN,
    "DingTalkConnectionDropped": TRY_AGAIN,
    "DingTalkBadReply": TRY_AGAIN,
    "TokenRequestFailed": TRY_AGAIN,
    dingtalk.Code.PERMISSION_ERROR: CHANGE_CREATOR,
    dingtalk.Code.MISSING_SCOPE: ASK_ADMIN,
    dingtalk.Code.MONTHLY_QUOTA: ASK_ADMIN,
    dingtalk.Code.INVALID_AUTHENTICATION: ASK_ADMIN,
    dingtalk.Code.INVALID_CLIENT: ASK_ADMIN,
    "CredentialsMissing": ASK_ADMIN,
    "SecretUndecryptable": ASK_ADMIN,
    "PastedTokenExpired": ASK_ADMIN,
}


def for_code(code: str) -> str:
    """The next step for an attempt that failed with `code` (empty: none)."""
    return _BY_CODE.get(code or "", "")
