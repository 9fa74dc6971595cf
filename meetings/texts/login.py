"""Logging in and out."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

LOGGED_OUT = _("You are logged out.")
LOGIN_THROTTLED = ngettext_lazy(
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minute.",
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minutes.",
    "minutes",
)

# --- Signing in with DingTalk (accounts/dingtalk.py) and approvals (/people/) ---------------------------
SIGN_IN_WITH_DINGTALK = _("Sign in with DingTalk")
PASSWORD_LOGIN_OFF = _(
    "Signing in with a password is turned off for this portal. Sign in with DingTalk instead (only "
    "administrators keep a password, for emergencies)."
)
SIGN_IN_PENDING = _(
    "Thank you, %(nick)s. An office admin of your organization must approve you before you can use the "
    "portal. Sign in with DingTalk again once they have."
)
SIGN_IN_UNKNOWN_CORP = _(
    "The DingTalk organization you chose does not use this portal, so you cannot sign in with it. If you "
    "belong to another DingTalk organization, sign in again and choose that one."
)
SIGN_IN_REFUSED = _("An office admin has refused your access to this portal. Ask them if you think this is a mistake.")
SIGN_IN_REMOVED = _("Your access to this portal was taken away. Ask an office admin if you need it again.")
SIGN_IN_FAILED = _(
    "Signing in with DingTalk did not work: the answer from DingTalk could not be checked, or it was used "
    "already. Start again from the sign-in page."
)
SIGN_IN_UNAVAILABLE = _("Signing in with DingTalk is not set up on this portal.")
PERSON_APPROVED = _("%(nick)s is approved as %(role)s.")
PERSON_REFUSED = _("%(nick)s is refused and cannot sign in.")
PERSON_REMOVED = _("%(nick)s no longer has access to the portal.")
PERSON_ALREADY_DECIDED = _("Someone else decided about %(nick)s already; the list below is up to date.")
PERSON_NO_ORGANIZATION = _("Choose at least one organization for this person.")
PERSON_NOT_YOURS = _("Choose among your own organizations of this person's DingTalk corp.")
BOOKED_FOR_YOU = _("Left empty, the meeting is booked for you (%(nick)s).")
CREATOR_ME = _("Me (%(nick)s)")
