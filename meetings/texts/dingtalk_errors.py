"""DingTalk said no, or could not be reached: a sentence for each failure, and DingTalk's code -> sentence."""

from django.utils.translation import gettext_lazy as _

from .. import dingtalk
from .credentials import INVALID_APP_CREDENTIALS

PARAMS_ERROR = _("DingTalk rejected a value: %(detail)s. Nothing was changed; correct the form and save again.")
# DingTalk's own words last: what the portal knows comes first (issue 22).
PERMISSION_ERROR = _(
    "DingTalk refused: it lets only the person who booked a meeting change it, and only through an app allowed "
    "to edit meetings (your organization's DingTalk administrator grants that in the DingTalk developer "
    "console). Nothing was changed. DingTalk said: “%(detail)s”."
)
RESOURCE_CANCEL = _(
    "This meeting was canceled in DingTalk, so it cannot be changed. The portal now shows it as canceled."
)
SYSTEM_ERROR = _("DingTalk had an internal error (%(detail)s). Nothing was changed; try again in a minute.")
INVALID_AUTHENTICATION = _(
    "DingTalk did not accept the access token of %(organization)s: it is invalid or has expired. "
    "Nothing was changed. An administrator must paste a new token for the organization."
)
MISSING_SCOPE = _(
    "The DingTalk app of %(organization)s lacks the permission %(scopes)s. Nothing was changed. "
    "An administrator must grant it in the DingTalk developer console."
)
THROTTLED = _(
    "DingTalk is limiting how often this app may call it. Nothing was changed; wait a few seconds and save again."
)
MONTHLY_QUOTA = _(
    "%(organization)s has used up its DingTalk API calls for this month. Nothing was changed; an "
    "administrator must raise the quota with DingTalk."
)
NOT_CONFIRMED = _(
    "DingTalk answered without confirming the change. Reload the meeting to see whether it was saved before "
    "trying again."
)
# The next three only follow calls that changed nothing (a read, or an update that was never sent): an
# update that may have reached DingTalk is OUTCOME_UNKNOWN instead.
BAD_REPLY = _(
    "DingTalk answered with something that is not an API reply (HTTP %(status)s). It may be blocking "
    "this server for a few minutes. Nothing was changed; try again later."
)
CONNECTION_REFUSED = _(
    "The portal could not connect to DingTalk (%(host)s). Nothing was sent; check the network and try again."
)
CONNECTION_DROPPED = _(
    "The connection to DingTalk broke before it answered. Nothing was changed; try again in a minute."
)
TIMEOUT = _("DingTalk did not answer in time. Nothing was changed; try again in a minute.")
UNKNOWN_ERROR = _(
    "DingTalk refused the request (HTTP %(status)s, code %(code)s). Nothing was changed; quote these and the "
    "request ID to helpdesk."
)
REQUEST_ID_SUFFIX = _("DingTalk request ID: %(request_id)s.")


# DingTalk's code -> the sentence (services.error_message fills in the parameters each one uses).
BY_CODE = {
    dingtalk.Code.INVALID_CLIENT: INVALID_APP_CREDENTIALS,
    dingtalk.Code.PARAMS_ERROR: PARAMS_ERROR,
    dingtalk.Code.PERMISSION_ERROR: PERMISSION_ERROR,
    dingtalk.Code.RESOURCE_CANCEL: RESOURCE_CANCEL,
    dingtalk.Code.SYSTEM_ERROR: SYSTEM_ERROR,
    dingtalk.Code.INVALID_AUTHENTICATION: INVALID_AUTHENTICATION,
    dingtalk.Code.MISSING_SCOPE: MISSING_SCOPE,
    **dict.fromkeys(dingtalk.Code.QPS_LIMITS, THROTTLED),
    dingtalk.Code.MONTHLY_QUOTA: MONTHLY_QUOTA,
}


# The activity's and history's "DingTalk code" column, in the reader's language: the portal's own names for
# what happened on the wire (PORTAL_CODES: shown only in words) and DingTalk's codes people meet most (their
# code is the cell's tooltip, for someone asking DingTalk about it).
PORTAL_CODE_LABELS = {
    "DingTalkTimeout": _("No answer in time"),
    "DingTalkConnectionDropped": _("Connection dropped"),
    "DingTalkConnectionRefused": _("Could not connect"),
    "DingTalkBadReply": _("Unreadable answer"),
    "DingTalkNotConfirmed": _("Answer did not confirm"),
    "DingTalkUnusableValues": _("Unusable values in the answer"),
    "DingTalkUnnamedBooking": _("Booked without an ID"),
    "DingTalkAPIError": _("DingTalk refused"),
    "DingTalkError": _("DingTalk call failed"),
    "TokenRequestFailed": _("No access token"),
    "CredentialsMissing": _("Credentials incomplete"),
    "SecretUndecryptable": _("Stored secret unreadable"),
    "PastedTokenExpired": _("Pasted token expired"),
}
CODE_LABELS = {
    **PORTAL_CODE_LABELS,
    dingtalk.Code.INVALID_CLIENT: _("App key or secret refused"),
    **dict.fromkeys(dingtalk.Code.QPS_LIMITS, _("Too many calls")),
    dingtalk.Code.PARAMS_ERROR: _("A value was rejected"),
    dingtalk.Code.PERMISSION_ERROR: _("Not allowed"),
    dingtalk.Code.RESOURCE_CANCEL: _("Meeting canceled"),
    dingtalk.Code.SYSTEM_ERROR: _("DingTalk internal error"),
    dingtalk.Code.INVALID_AUTHENTICATION: _("Access token not accepted"),
    dingtalk.Code.MISSING_SCOPE: _("Permission missing"),
    dingtalk.Code.MONTHLY_QUOTA: _("Monthly quota used up"),
}
