"""The one next step a failure offers, as a control beside its message (templates/meetings/_next_step.html).

Every page says what happened in its message; this picks the control under it: Try again (the form re-posted
with what was typed, or the page read again), Change creator (an office admin; others are told to ask one),
ask an administrator (the organization's DingTalk connection), or look for a booking that may exist.
"""

from .. import dingtalk, services
from ..dingtalk import credentials

TRY_AGAIN = "try_again"
CHANGE_CREATOR = "change_creator"
ASK_ADMIN = "ask_admin"
LOOK_FOR_IT = "look_for_it"  # a booking whose answer was lost: find it before booking again

# By the code an attempt keeps (MeetingChange.dingtalk_code: DingTalk's code, or the error type's name when
# DingTalk gave none, as services.audit.note_error writes it). Passing failures where nothing was changed:
# try again. DingTalk refusing the stored creator: change it. No usable credentials: only an administrator
# can help. Anything else (a refused value, a missing permission, the monthly quota): the message says it.
_BY_CODE = {
    dingtalk.Code.SYSTEM_ERROR: TRY_AGAIN,
    **dict.fromkeys(dingtalk.Code.QPS_LIMITS, TRY_AGAIN),
    "DingTalkTimeout": TRY_AGAIN,
    "DingTalkConnectionRefused": TRY_AGAIN,
    "DingTalkConnectionDropped": TRY_AGAIN,
    "DingTalkBadReply": TRY_AGAIN,
    "TokenRequestFailed": TRY_AGAIN,
    dingtalk.Code.PERMISSION_ERROR: CHANGE_CREATOR,
    dingtalk.Code.INVALID_AUTHENTICATION: ASK_ADMIN,
    dingtalk.Code.INVALID_CLIENT: ASK_ADMIN,
    "CredentialsMissing": ASK_ADMIN,
    "SecretUndecryptable": ASK_ADMIN,
    "PastedTokenExpired": ASK_ADMIN,
}


def for_code(code: str) -> str:
    """The next step for an attempt that failed with `code` (empty: none)."""
    return _BY_CODE.get(code or "", "")


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


def context(
    error: services.MeetingError | None,
    *,
    form_id: str = "",
    typed: bool = True,
    organization=None,
    step: str | None = None,
) -> dict:
    """What templates/meetings/_next_step.html needs after `error` (or `step`, chosen from an earlier attempt's
    row): the step, the form Try again re-posts (empty: the page is read again) and whether it holds what the
    person typed, the organization an administrator repairs, the number to look for."""
    return {
        "next_step": for_error(error) if step is None else step,
        "next_step_form": form_id,
        "next_step_typed": typed,
        "next_step_organization": organization,
        "next_step_number": getattr(error, "meeting_number", ""),
    }
