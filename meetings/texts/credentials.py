"""An organization's DingTalk credentials and access tokens (meetings/dingtalk/credentials.py, tokens.py, the admin)."""

from django.utils.translation import gettext_lazy as _

APP_TOKEN_REJECTED = _(
    "DingTalk did not accept the access token of %(organization)s, not even a newly obtained one. "
    "Nothing was changed. An administrator must check the organization's DingTalk app and its "
    "credentials (“Check connection” in the admin)."
)
INVALID_APP_CREDENTIALS = _(
    "DingTalk refused the app key or secret of %(organization)s, so the portal got no access token. "
    "Nothing was changed. An administrator must correct them in the admin."
)
TOKEN_REQUEST_FAILED = _(
    "The portal could not get an access token for %(organization)s from DingTalk (HTTP %(status)s, "
    "code %(code)s). Nothing was changed; try again in a minute."
)
PASTED_TOKEN_EXPIRED = _(
    "The access token of %(organization)s expired at %(time)s, %(time_zone)s. Nothing was sent to DingTalk. An "
    "administrator must paste a new token for the organization."
)
CREDENTIALS_MISSING = _(
    "%(organization)s has incomplete DingTalk credentials (missing: %(missing)s). Nothing was sent to "
    "DingTalk. An administrator must complete them in the admin."
)
CREDENTIALS_UNDECRYPTABLE = _(
    "A stored DingTalk secret of %(organization)s cannot be decrypted with the configured keys. Nothing was "
    "sent to DingTalk. An administrator must paste a new one in the admin."
)
TOKEN_STATUS_APP_VALID = _("Token valid until %(time)s, %(time_zone)s, refreshed automatically.")
TOKEN_STATUS_APP_PENDING = _("No current token: one is obtained at the next call and refreshed automatically.")
TOKEN_STATUS_PASTED_VALID = _("Pasted token valid until %(time)s, %(time_zone)s; paste a new one before then.")
TOKEN_STATUS_PASTED_NO_EXPIRY = _("Pasted token; its expiry was not given.")
TOKEN_STATUS_PASTED_EXPIRED = _("Pasted token expired at %(time)s, %(time_zone)s; paste a new one.")
TOKEN_STATUS_INCOMPLETE = _("Incomplete: %(missing)s missing.")
CONNECTION_OK = _("%(organization)s: DingTalk issued an access token, valid until %(time)s, %(time_zone)s.")
CONNECTION_PASTED = _(
    "%(organization)s uses a pasted token. %(status)s It can only be tested by using it, for example "
    "by registering a meeting."
)
CREDENTIAL_REQUIRED = _("%(mode)s needs this.")
TOKEN_EXPIRY_PASSED = _("This time has passed. Give the new token's expiry, or leave it empty if unknown.")
