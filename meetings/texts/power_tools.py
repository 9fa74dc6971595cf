"""The office admin's power tools: book, cancel, settings, restore, bulk rename; how a setting reads."""

from django.utils.translation import gettext_lazy as _

MEETING_CREATED = _(
    "Booked “%(title)s” in DingTalk from %(start)s to %(end)s, %(time_zone)s. Share the join link or the "
    "meeting number below."
)
CREATOR_REQUIRED = _(
    "Enter the union ID of the person the meeting is booked for: %(organization)s has no default creator."
)
CREATE_OUTCOME_UNKNOWN = _(
    "DingTalk may have booked “%(title)s” (%(start)s, %(time_zone)s) even though no answer came back: %(error)s "
    "Do not book it again yet. Look for it in the DingTalk app of %(creator)s; if it is there, add it to the "
    "portal with its conference ID (Add meeting)."
)
# The %(error)s of CREATE_OUTCOME_UNKNOWN on the row written before the create is sent: what a row still in
# progress says when its process died before DingTalk's answer was recorded.
CREATE_INTERRUPTED = _("The portal stopped before it recorded DingTalk's answer.")
# The %(error)s of CREATE_OUTCOME_UNKNOWN when DingTalk answered but the portal could not keep the meeting.
CREATE_NOT_STORED = _("DingTalk answered, but the portal could not store the meeting.")
# The booking form posted again (a second click, Back and submit) while its first arrival waits for DingTalk.
CREATE_BEING_BOOKED = _(
    "This form is being booked: DingTalk has not answered it yet. This page shows the outcome as soon as it "
    "has. Nothing was sent twice."
)
CREATE_REFUSED_CREATOR = _(
    "DingTalk refused to book it for the creator “%(creator)s”: it books only for a person of the organization, "
    "through an app allowed to create meetings. Nothing was booked. Check the creator union ID. DingTalk said: "
    "“%(detail)s”."
)
CREATE_UNKNOWN_NUMBER = _("DingTalk gave it the meeting number %(number)s: add it by that number (Add meeting).")
MEETING_CANCELED_DONE = _("Canceled “%(title)s” in DingTalk. The meeting is now read-only.")
MEETING_ALREADY_CANCELED = _("DingTalk says “%(title)s” was already canceled. The portal now shows it as canceled.")
SETTINGS_SAVED = _("Saved the meeting's settings in DingTalk: %(fields)s.")
SETTINGS_UNCHANGED = _("Nothing to save: the settings are what DingTalk already has.")
SETTINGS_CHANGED_IN_DINGTALK = _(
    "Not saved: the meeting's settings were changed in DingTalk after you opened the form. Both values are "
    "shown below; nothing was sent. Reload the settings to start from what DingTalk has now."
)
SETTINGS_FORM_OUT_OF_DATE = _("This form is out of date. Reload the settings and make your change again.")
MUTE_AFTER_REQUIRED = _("Enter how many people may join before everyone is muted.")
UNION_ID_INVALID = _("“%(value)s” is not a union ID: use letters, digits and - _ only.")
RESTORE_PREFILLED = _(
    "The form holds the values from before the change of %(time)s. Check them and save to send them to DingTalk."
)
RESTORE_NOT_POSSIBLE = _("Only a successful change of the title or times can be restored.")
BULK_FIND_REQUIRED = _("Enter the text to find.")
BULK_NOTHING_TO_RENAME = _("No meeting you may edit has a title with this text.")
BULK_REGEX_INVALID = _("Not a usable regular expression: %(error)s.")
BULK_REGEX_TOO_SLOW = _("The regular expression took too long on this title; make it simpler.")
BULK_CANCELED = _("The meeting is canceled.")
BULK_SAVE_RUNNING = _("Someone is saving this meeting right now.")
BULK_STARTED = _("Renaming %(count)d meetings in the background. This page shows how it goes.")
BULK_ALREADY_RENAMED = _("The title already was the new one.")
BULK_TITLE_CHANGED = _("Not renamed: the title is now “%(title)s”, not the one previewed. Preview again to include it.")
BULK_WORKER_STOPPED = _(
    "The worker stopped while this meeting was being saved; it was read again from DingTalk before going on."
)
BULK_NOT_ALLOWED = _("You may not edit this meeting.")
# The job's page: the options it was asked with, beside "Renaming “find” to “replace”".
BULK_JOB_REGEX = _("Find is a regular expression.")
BULK_JOB_WHOLE_WORD = _("Whole words only.")
BULK_UNEXPECTED = _("Not renamed: something unexpected went wrong. The details are in the server log.")

# How the settings are named where a person reads them (history, messages).
SETTING_LABELS = {
    "host_union_id": _("Host"),
    "cohost_union_ids": _("Co-hosts"),
    "lock_room": _("Lock the room"),
    "screen_share_forbidden": _("Forbid screen sharing"),
    "mute_on_join": _("Mute on join"),
    "waiting_room": _("Waiting room"),
    "join_before_host": _("Join before the host"),
    "enable_chat": _("Chat"),
    "lock_nick": _("Lock nicknames"),
}
SETTING_ON = _("on")
SETTING_OFF = _("off")
MUTE_AFTER = _("once more than %(count)d joined")


def setting_value(name: str, value) -> str:
    """A setting's value as a person reads it: on/off, a head count, a list of union IDs."""
    if isinstance(value, bool):
        return str(SETTING_ON if value else SETTING_OFF)
    if name == "mute_on_join":
        return str(SETTING_OFF if value == 0 else SETTING_ON if value == -1 else MUTE_AFTER % {"count": value})
    if isinstance(value, list | tuple):
        return ", ".join(value) or "—"
    return str(value) or "—"


# A booking, a cancel or a settings change whose answer never arrived: "may have been done" until DingTalk is
# read again (services/action_checks.py), never "failed".
CREATES_UNKNOWN = _(
    "Bookings of yours that DingTalk may have made although the portal never got its answer. Look for each in "
    "DingTalk before booking it again:"
)
CANCEL_OUTCOME_UNKNOWN = _(
    "DingTalk did not confirm the cancel, so it is not known yet whether “%(title)s” was canceled. Nobody can "
    "change the meeting until the portal has checked with DingTalk (its page says when); its history will then say."
)
SETTINGS_OUTCOME_UNKNOWN = _(
    "DingTalk did not confirm the change, so it is not known yet whether the settings were saved (%(fields)s). "
    "Nobody can change the meeting until the portal has checked with DingTalk (its page says when); its history "
    "will then say."
)
CHECKED_CANCELED = _(
    "Checked with DingTalk: “%(title)s”, which %(person)s canceled, is canceled there. The portal now shows it "
    "as canceled."
)
CHECKED_NOT_CANCELED = _(
    "Checked with DingTalk: “%(title)s”, which %(person)s canceled, was not canceled there; it is still booked."
)
CHECKED_SETTINGS_SAVED = _("Checked with DingTalk: the settings %(person)s changed were saved after all: %(fields)s.")
CHECKED_SETTINGS_NOT_SAVED = _(
    "Checked with DingTalk: the settings %(person)s changed were not saved (%(fields)s); DingTalk keeps what it has."
)
CHECKED_YOURS_SETTINGS_NOT_SAVED = _(
    "Checked with DingTalk: DingTalk did not apply your settings change (%(fields)s); it keeps what it has."
)
