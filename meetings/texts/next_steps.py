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
# The booking, settings, cancel, add-meeting and change-creator pages (views/next_step.py).
NEXT_OPEN_CONNECTION = _("Open the organization's DingTalk connection")
NEXT_ASK_ADMINISTRATOR = _("Ask a portal administrator")
NEXT_ASK_ADMINISTRATOR_HELP = _(
    "Only a portal administrator can repair the organization's DingTalk connection: the button copies a request "
    "to send them."
)
NOTE_REPAIR_CONNECTION = _("Please repair the DingTalk connection of %(organization)s in the portal's admin: %(what)s")
NEXT_ADD_BY_NUMBER = _("Add it by its meeting number")
NEXT_ADD_MEETING = _("Add a meeting")
NEXT_CORRECT_CREATOR = _("Correct the creator union ID")
