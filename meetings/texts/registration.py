"""Adding meetings to the portal (by meeting number, by IDs, by import), changing the creator, removing."""

from django.utils.translation import gettext_lazy as _

MEETING_NUMBER_INVALID = _(
    "No meeting number found in what you entered. Enter the number DingTalk shows, such as 838 722 1234."
)
MEETING_NUMBER_OR_IDS = _("Enter a meeting number, or the conference ID and the creator union ID.")
MEETING_NUMBER_UNKNOWN = _(
    "DingTalk has no booked meeting with the number %(number)s. Check the number (DingTalk shows it in the "
    "invitation) and the organization."
)
MEETING_NUMBER_SEVERAL = _(
    "Several booked meetings use the number %(number)s. Choose the one you mean; nothing is added until you do."
)
MEETING_NUMBER_CHOICE_GONE = _("The meeting you chose is no longer behind this number. Choose again.")
CREATOR_REFUSED = _(
    "DingTalk did not accept “%(creator)s” as the creator of this meeting. Enter the creator's union ID: the "
    "unionId of the person who booked the meeting. An administrator finds it in the DingTalk admin console "
    "(Contacts, the person's details) or with DingTalk's user API (unionid). Nothing was stored."
)
CREATOR_UNKNOWN = _(
    "DingTalk did not say who booked this meeting. Enter the creator's union ID: the unionId of the person "
    "who booked the meeting. An administrator finds it in the DingTalk admin console (Contacts, the person's "
    "details) or with DingTalk's user API (unionid). Nothing was stored."
)
# Not CREATOR_REQUIRED: that is booking's sentence (power_tools), which names the organization.
CREATOR_UNION_ID_REQUIRED = _("Enter the creator's union ID.")
CONFERENCE_ID_REQUIRED = _("Enter the conference ID.")
MEETING_ALREADY_IN_PORTAL = _("This meeting is already in the portal, under %(organization)s: “%(title)s”.")
# Another organization's meeting: neither its title nor that organization is named (views link to it for
# those who may open it).
MEETING_ALREADY_ELSEWHERE = _(
    "This meeting is already in the portal, under another organization on the same DingTalk. Each meeting is "
    "in the portal once."
)
ORGANIZATION_HOST_TAKEN = _(
    "Some of this organization's meetings are in the portal under another organization on %(host)s: a "
    "meeting is in the portal once per DingTalk host. Remove them from one of the organizations first."
)
MEETING_RESTORED = _("Added “%(title)s” again from DingTalk, with its history. You can edit it now.")
CREATOR_CHANGED = _("DingTalk accepts the new creator. The portal now saves “%(title)s” as %(creator)s.")
CREATOR_UNCHANGED = _("That is already the stored creator.")
CREATOR_CHANGE_AUDIT = _("Creator: %(old)s → %(new)s")
CREATOR_CHANGED_MEANWHILE = _(
    "Someone else changed the creator meanwhile, to %(creator)s. Nothing was stored: check it, and change it "
    "again if it is still wrong."
)
SAVE_REFUSED_CHANGE_CREATOR = _(
    "The creator stored for this meeting may be wrong: an office admin can change it on the meeting's page, "
    "with “Change creator”."
)
MEETING_REMOVED = _(
    "“%(title)s” was removed from the portal. DingTalk was not changed; its history stays, and adding it "
    "again brings it back."
)
IMPORT_LINE_UNREADABLE = _(
    "Not a meeting number, nor a conference ID and a creator union ID separated by a space or a comma."
)
IMPORT_SEVERAL = _("Several booked meetings use the number %(number)s: add the one you mean on “Add a meeting”.")
IMPORT_CREATOR_UNKNOWN = _("DingTalk did not say who booked it: give its conference ID and creator union ID instead.")
IMPORT_CREATOR_REFUSED = _(
    "DingTalk did not accept “%(creator)s” as the creator: give the conference ID and the creator's union ID instead."
)
IMPORT_TOO_MANY_LINES = _("An import takes at most %(limit)d meetings; this one has %(count)d.")
IMPORT_NO_LINES = _("Enter at least one meeting, one per line.")
IMPORT_STARTED = _("The portal is asking DingTalk about each line. This page updates by itself.")
IMPORT_CONFIRMED = _("Adding the meetings. This page updates by itself.")
IMPORT_NOT_WAITING = _("This import is not waiting for a confirmation.")
MEETING_NUMBER_SEARCH_HELP = _("Search by title, conference ID or meeting number")
