"""Every sentence the portal shows about meetings and DingTalk, in one place.

Tests assert against these constants. DingTalk's own text is inserted with %-formatting into plain
strings and escaped by the template like any other message: never marked safe.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import dingtalk

# --- success ---------------------------------------------------------------------------------------
MEETING_UPDATED = _("Saved. DingTalk now has “%(title)s” from %(start)s to %(end)s (%(time_zone)s).")
MEETING_UNCHANGED = _("Nothing to save: the title and times are what DingTalk already has.")
MEETING_REGISTERED = _("Added “%(title)s” from DingTalk. You can edit it now.")

# --- while a save runs (the edit form's status line, and a second click on Save) -----------------------
SAVING = _("Saving… DingTalk can take up to %(seconds)d seconds.")
SAVE_STILL_RUNNING = _(
    "This form was already sent and DingTalk has not answered it yet. Reload the meeting in a moment to "
    "see whether it was saved."
)

# --- validation ------------------------------------------------------------------------------------
TITLE_REQUIRED = _("Enter a title.")
TITLE_BLANK = _("The title cannot be only spaces.")
TITLE_TOO_LONG = _("DingTalk allows at most %(limit)d characters in a title; this one has %(length)d.")
TITLE_CONTROL_CHARACTERS = _("The title contains invisible control characters; remove them.")
TIME_REQUIRED = _("Enter a date and time.")
TIME_INVALID = _("Enter a date and time as YYYY-MM-DD HH:MM.")
TIMES_IN_ZONE = _("Times in %(time_zone)s, the organization's time zone.")
TOKEN_EXPIRY_HINT = _(
    "Only for a pasted token: when it expires, in %(time_zone)s time (the organization's zone), as "
    "YYYY-MM-DD HH:MM. Leave empty if unknown."
)
TIME_INPUT_HINT = _(
    "In %(time_zone)s time. Your browser may show the date and time in its own format; the portal writes "
    "them as YYYY-MM-DD HH:MM."
)
TIME_NONEXISTENT = _("%(value)s does not exist in %(time_zone)s: the clocks skip that hour. Choose another time.")
TIME_AMBIGUOUS = _("%(value)s happens twice in %(time_zone)s: the clocks go back that hour. Choose another time.")
TIME_OUT_OF_RANGE = _("Choose a date between the years 1970 and 9999.")
END_NOT_AFTER_START = _("The end must be after the start.")
CONFIRM_PAST_LABEL = _("Yes, move the meeting into the past")
START_IN_PAST = _(
    "This start is in the past: it is now %(now)s in %(time_zone)s. Check the date; to move the meeting "
    "into the past all the same, tick “%(confirm)s” and save again."
)
CONFERENCE_ALREADY_REGISTERED = _("This meeting is already in the portal.")
# Looking a meeting up to add it: DingTalk's refusal, on the field it is about.
LOOKUP_NO_SUCH_CONFERENCE = _(
    "DingTalk has no meeting with this conference ID (%(detail)s). Check it: it is the "
    "scheduleConferenceId DingTalk returned when the meeting was booked."
)
ORGANIZATION_NOT_ALLOWED = _("Choose one of your organizations.")
MEETING_CANCELED_READ_ONLY = _("This meeting was canceled in DingTalk and can no longer be edited.")
MEETING_CANCELED_NOTICE = _("This meeting was canceled in DingTalk. It can no longer be edited.")
RESCHEDULE_NOT_ALLOWED = _("You may change the title only; the start and end stay as they are.")
FORM_OUT_OF_DATE = _("This form is out of date. Reload the meeting and make your change again.")
CHOICE_NOT_IN_LIST = _("Choose one of the options in the list.")
DATE_INVALID = _("Enter a date as YYYY-MM-DD.")
DATE_OUT_OF_RANGE = _("Choose a date between the years 1970 and 9998.")
FILTER_DATES_REVERSED = _("The “to” date must not be before the “from” date.")
TIME_ZONE_INVALID = _("“%(value)s” is not an IANA time zone name, such as Asia/Shanghai or Europe/Berlin.")
API_BASE_INVALID = _(
    "Enter DingTalk's HTTPS base URL, https://api.dingtalk.com or https://api.dingtalk.io (or a host listed "
    "in DINGTALK_EXTRA_API_HOSTS), without a path, user name, query or fragment."
)

# --- hostile input (issue 15) ------------------------------------------------------------------------
TITLE_INVISIBLE_CHARACTERS = _(
    "The title contains invisible characters that change how text is shown (right-to-left overrides, "
    "zero-width characters); remove them."
)
TIME_FULLWIDTH_DIGITS = _("Type the date and time with the digits 0-9.")
TIME_BEFORE_1970_UTC = _("%(value)s in %(time_zone)s is before 1970 in UTC, which DingTalk cannot store.")
DINGTALK_ID_INVALID = _("Paste the ID exactly as DingTalk gives it: letters, digits and punctuation, no spaces.")
SEARCH_INVALID = _("The search cannot contain control characters.")
DINGTALK_VALUES_UNUSABLE = _(
    "DingTalk sent a title or times for this meeting that the portal cannot show in %(time_zone)s "
    "(for example a date outside the years 1970 to 9998, or an end before the start). Nothing was stored "
    "or sent; correct the meeting in DingTalk for %(organization)s and try again."
)
SECRET_UNDECRYPTABLE = _("Cannot be decrypted with the configured keys: paste a new one.")

# --- adding by meeting number, the creator, removing (issue 11) -------------------------------------
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
CREATOR_REQUIRED = _("Enter the creator's union ID.")
CONFERENCE_ID_REQUIRED = _("Enter the conference ID.")
MEETING_ALREADY_IN_PORTAL = _("This meeting is already in the portal, under %(organization)s: “%(title)s”.")
MEETING_RESTORED = _("Added “%(title)s” again from DingTalk, with its history. You can edit it now.")
CREATOR_CHANGED = _("DingTalk accepts the new creator. The portal now saves “%(title)s” as %(creator)s.")
CREATOR_UNCHANGED = _("That is already the stored creator.")
CREATOR_CHANGE_AUDIT = _("Creator: %(old)s → %(new)s")
SAVE_REFUSED_CHANGE_CREATOR = _(
    "DingTalk refuses the stored creator of this meeting. An office admin can correct it with “Change creator”."
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

# --- someone else changed it -------------------------------------------------------------------------
SAVED_BY_SOMEONE_ELSE = _(
    "Not saved: someone else saved this meeting after you opened it. Their changes are listed below; "
    "your input is still in the form. Reload the meeting to start from the current values."
)
SAVED_BY_YOU_ELSEWHERE = _(
    "Not saved: you saved this meeting in another tab after you opened this form. What you saved there "
    "is listed below; your input is still in this form. Reload the meeting to start from the current values."
)
SAVE_IN_PROGRESS = _(
    "Not saved: someone else is saving this meeting to DingTalk right now. Your input is still in the "
    "form; wait a moment, reload the meeting and check before saving again."
)
CHANGED_IN_DINGTALK = _(
    "Not saved: the meeting was changed in DingTalk after you opened it. DingTalk now has “%(title)s” "
    "from %(start)s to %(end)s (%(time_zone)s). Nothing was sent; your input is still in the form."
)
CHANGED_IN_PORTAL_WHILE_SAVING = _(
    "DingTalk accepted the change, but the portal's copy was changed by someone else meanwhile. Read "
    "the meeting from DingTalk to see what it has now."
)
MEETING_REFRESHED = _("The portal now has DingTalk's values: “%(title)s” from %(start)s to %(end)s (%(time_zone)s).")
MEETING_ALREADY_CURRENT = _("The portal already has DingTalk's current title and times.")

# --- a save whose answer was lost: checking with DingTalk (services/reconcile.py) ---------------------
OUTCOME_UNKNOWN = _(
    "DingTalk did not answer in time, so it is not known yet whether your change was saved. Nobody can "
    "save this meeting until the portal has checked with DingTalk, after %(time)s (%(time_zone)s). This "
    "page will show the answer."
)
OUTCOME_UNKNOWN_UNCLEAR = _(
    "DingTalk's answer was cut off, could not be read or did not confirm the change, so it is not known "
    "yet whether your change was saved. Nobody can save this meeting until the portal has checked with "
    "DingTalk, after %(time)s (%(time_zone)s). This page will show the answer."
)
WAITING_FOR_CHECK = _(
    "Not saved: it is not known yet whether an earlier save of this meeting reached DingTalk. Nobody can "
    "save it until the portal has checked with DingTalk, after %(time)s (%(time_zone)s). Your input is "
    "still in the form."
)
CHECKING_WITH_DINGTALK = _(
    "Checking with DingTalk… An earlier save of this meeting may or may not have arrived there; the "
    "portal will know after %(time)s (%(time_zone)s). This page reloads itself until then."
)
SAVE_UNDER_WAY = _(
    "Someone is saving this meeting to DingTalk right now. This page reloads itself until it is done, "
    "at the latest after %(time)s (%(time_zone)s)."
)
CHECKED_SAVED = _(
    "Checked with DingTalk: the change saved by %(person)s at %(when)s was saved after all. DingTalk has "
    "“%(title)s” from %(start)s to %(end)s (%(time_zone)s)."
)
CHECKED_NOT_SAVED = _(
    "Checked with DingTalk: the change saved by %(person)s at %(when)s was not saved. DingTalk has "
    "“%(title)s” from %(start)s to %(end)s (%(time_zone)s)."
)
CHECKED_NOT_SAVED_PORTAL_UPDATED = _(
    "Checked with DingTalk: the change saved by %(person)s at %(when)s was not saved, and DingTalk has "
    "values the portal did not: “%(title)s” from %(start)s to %(end)s (%(time_zone)s). The portal now "
    "shows those."
)
CHECK_FAILED = _(
    "The portal could not check with DingTalk whether an earlier save of this meeting arrived: %(reason)s "
    "It tries again after %(time)s (%(time_zone)s); until then nobody can save the meeting."
)

# --- power tools: create, cancel, settings, restore, bulk rename (issue 12) ---------------------------
MEETING_CREATED = _(
    "Booked “%(title)s” in DingTalk from %(start)s to %(end)s (%(time_zone)s). Share the join link or the "
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
BULK_TOO_LONG = _("The new title would be longer than %(limit)d characters.")
BULK_EMPTY = _("The new title would be empty.")
BULK_CANCELED = _("The meeting is canceled.")
BULK_SAVE_RUNNING = _("Someone is saving this meeting right now.")
BULK_STARTED = _("Renaming %(count)d meetings in the background. This page shows how it goes.")
BULK_ALREADY_RENAMED = _("The title already was the new one.")
BULK_TITLE_CHANGED = _("Not renamed: the title is now “%(title)s”, not the one previewed. Preview again to include it.")
BULK_WORKER_STOPPED = _(
    "The worker stopped while this meeting was being saved; it was read again from DingTalk before going on."
)
BULK_NOT_ALLOWED = _("You may not edit this meeting.")
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

# --- logging in ------------------------------------------------------------------------------------
LOGGED_OUT = _("You are logged out.")
LOGIN_THROTTLED = ngettext_lazy(
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minute.",
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minutes.",
    "minutes",
)

# --- DingTalk said no --------------------------------------------------------------------------------
PARAMS_ERROR = _("DingTalk rejected a value: %(detail)s. Nothing was changed; correct the form and save again.")
PERMISSION_ERROR = _(
    "DingTalk refused: %(detail)s. Nothing was changed. DingTalk lets only the person who booked a "
    "meeting change it, and only through an app allowed to edit meetings. If the meeting's creator is "
    "wrong here, an office admin can change it on the meeting's page; if the app lacks the permission, "
    "your organization's DingTalk administrator grants it in the DingTalk developer console."
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
    "DingTalk answered without confirming the change (request ID %(request_id)s). Reload the meeting "
    "to see whether it was saved before trying again."
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
    "DingTalk refused the request (HTTP %(status)s, code %(code)s, request ID %(request_id)s). "
    "Nothing was changed; quote these to helpdesk."
)
REQUEST_ID_SUFFIX = _("DingTalk request ID: %(request_id)s.")

# --- credentials (meetings/credentials.py) -----------------------------------------------------------
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
    "The access token of %(organization)s expired at %(time)s (%(time_zone)s). Nothing was sent to DingTalk. An "
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
TOKEN_STATUS_APP_VALID = _("Token valid until %(time)s (%(time_zone)s), refreshed automatically.")
TOKEN_STATUS_APP_PENDING = _("No current token: one is obtained at the next call and refreshed automatically.")
TOKEN_STATUS_PASTED_VALID = _("Pasted token valid until %(time)s (%(time_zone)s); paste a new one before then.")
TOKEN_STATUS_PASTED_NO_EXPIRY = _("Pasted token; its expiry was not given.")
TOKEN_STATUS_PASTED_EXPIRED = _("Pasted token expired at %(time)s (%(time_zone)s); paste a new one.")
TOKEN_STATUS_INCOMPLETE = _("Incomplete: %(missing)s missing.")
CONNECTION_OK = _("%(organization)s: DingTalk issued an access token, valid until %(time)s (%(time_zone)s).")
CONNECTION_PASTED = _(
    "%(organization)s uses a pasted token. %(status)s It can only be tested by using it, for example "
    "by registering a meeting."
)
CREDENTIAL_REQUIRED = _("%(mode)s needs this.")
TOKEN_EXPIRY_PASSED = _("This time has passed. Give the new token's expiry, or leave it empty if unknown.")


def setting_value(name: str, value) -> str:
    """A setting's value as a person reads it: on/off, a head count, a list of union IDs."""
    if isinstance(value, bool):
        return str(SETTING_ON if value else SETTING_OFF)
    if name == "mute_on_join":
        return str(SETTING_OFF if value == 0 else SETTING_ON if value == -1 else MUTE_AFTER % {"count": value})
    if isinstance(value, list | tuple):
        return ", ".join(value) or "—"
    return str(value) or "—"


def local_time(moment, organization) -> str:
    """A moment as wall-clock time in the organization's zone, the way the forms show it.

    A moment the zone cannot show (a row stored before DingTalk's values were checked) is given in UTC,
    marked so, rather than failing the page or the message.
    """
    local = localtime_or_none(moment, organization.zone)
    if local is None:
        return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return local.strftime("%Y-%m-%d %H:%M")


def localtime_or_none(moment, zone):
    """The aware moment in `zone`, or None when no datetime can hold it there (year 0 or 10000)."""
    try:
        return timezone.localtime(moment, zone)
    except (OverflowError, ValueError):
        return None


def local_clock_time(moment, organization) -> str:
    """A moment's wall-clock time to the second in the organization's zone: when a wait ends."""
    return timezone.localtime(moment, organization.zone).strftime("%H:%M:%S")


def group_digits(room_code: str) -> str:
    """A meeting number grouped as DingTalk shows it: 838 722 1234, 123 456 789."""
    if len(room_code) <= 4:
        return room_code
    head = len(room_code) - 4 if len(room_code) % 3 == 1 else len(room_code)
    groups = [room_code[i : i + 3] for i in range(0, head, 3)]
    return " ".join(groups + ([room_code[head:]] if head < len(room_code) else []))


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
