"""The one next step a failure or an uncertain outcome offers, as a control (views/outcome.py)."""

from django.utils.translation import gettext_lazy as _

NEXT_TRY_AGAIN = _("Try again")
NEXT_TRY_AGAIN_HELP = _("What you typed is kept in the form below.")
NEXT_CHANGE_CREATOR = _("Change creator")
NEXT_ASK_OFFICE_ADMIN = _("Ask an office admin")
NEXT_ASK_OFFICE_ADMIN_HELP = _(
    "Only an office admin can do this: the button copies a request, with the meeting's link, to send them."
)
NEXT_CHECK_NOW = _("Check again now")
# What "Ask an office admin" copies, for them to act on.
NOTE_CHANGE_CREATOR = _(
    "Please change the creator of the meeting “%(title)s” (%(url)s): DingTalk refuses the stored creator, so "
    "the meeting cannot be saved. DingTalk request ID: %(request_id)s."
)
NOTE_ASK_ADMIN = _("Please help with the meeting “%(title)s” (%(url)s): %(what)s")
