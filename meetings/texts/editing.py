"""Saving a meeting's title and times: the outcome, a save that met another one, a save whose answer was lost."""

from django.utils.translation import gettext_lazy as _

# --- success ---------------------------------------------------------------------------------------
MEETING_UPDATED = _("Saved. DingTalk now has “%(title)s” from %(start)s to %(end)s (%(time_zone)s).")
MEETING_UNCHANGED = _("Nothing to save: the title and times are what DingTalk already has.")
MEETING_REGISTERED = _("Added “%(title)s” from DingTalk. You can edit it now.")

# --- while a save runs (the edit form's status line, and a second click on Save) -----------------------
SAVING = _("Saving… DingTalk can take up to %(seconds)d seconds.")
# A form sent again while its first arrival still waits for DingTalk: answered at once, then the outcome.
FORM_BEING_SAVED = _(
    "This form is being saved: DingTalk has not answered it yet. This page shows the outcome as soon as it has."
)

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

# --- a save whose answer was lost: checking with DingTalk (services/save_checks.py) ---------------------
# What happened, one sentence per cause, stored on the attempt's row: no time in them (a wait is said when the
# page is shown, WAIT_*, from the meeting's lock and the database's clock). Each says the change may have been
# saved and that the portal checks.
OUTCOME_UNKNOWN = _(
    "DingTalk did not answer in time, so your change may or may not have been saved there. The portal will "
    "check with DingTalk and show the answer on this page."
)
OUTCOME_UNKNOWN_SYSTEM_ERROR = _(
    "DingTalk reported an internal error of its own (systemError) after it received your change, so the change "
    "may or may not have been saved there. The portal will check with DingTalk and show the answer on this page."
)
OUTCOME_UNKNOWN_DROPPED = _(
    "The connection to DingTalk broke before its answer arrived, so your change may or may not have been saved "
    "there. The portal will check with DingTalk and show the answer on this page."
)
OUTCOME_UNKNOWN_UNREADABLE = _(
    "DingTalk's answer could not be read (it was not an API reply), so your change may or may not have been "
    "saved there. The portal will check with DingTalk and show the answer on this page."
)
OUTCOME_UNKNOWN_NOT_CONFIRMED = _(
    "DingTalk answered without confirming your change, so it may or may not have been saved there. The portal "
    "will check with DingTalk and show the answer on this page."
)
# Anything else after the update was sent (another DingTalk error of its own, a failure in the portal).
OUTCOME_UNKNOWN_UNCLEAR = _(
    "Something went wrong after your change was sent to DingTalk, so it may or may not have been saved there. "
    "The portal will check with DingTalk and show the answer on this page."
)
OUTCOME_UNKNOWN_LEASE_LOST = _(
    "Your change reached DingTalk, or may still, only after the portal had stopped waiting for it, and the "
    "meeting was saved or checked by someone else meanwhile. It is not known yet which values DingTalk kept: the "
    "portal will check with DingTalk and show what it has; the meeting's history will say what happened to your "
    "change."
)
WAITING_FOR_CHECK = _(
    "Not saved: it is not known yet whether an earlier save of this meeting reached DingTalk, and nobody can "
    "save it until the portal has checked. Nothing was sent; your input is still in the form."
)
# The wait, said when the page is shown (and kept current by static/js/poll.js): never a clock time.
WAIT_FOR_CHECK = _("The portal checks with DingTalk in about %(wait)s; until then nobody can save this meeting.")
WAIT_FOR_ANSWER = _("The answer comes in about %(wait)s at the latest.")
WAIT_CHECKING_NOW = _("The portal is checking with DingTalk now.")
# A save stopped by another one, or by the wait for a check, once that is over.
FREE_AGAIN = _("That is over now: the meeting can be saved again.")
CHECKING_WITH_DINGTALK = _(
    "Checking with DingTalk… An earlier save of this meeting may or may not have arrived there. The portal "
    "asks DingTalk in about %(wait)s; this page then shows the answer."
)
SAVE_UNDER_WAY = _(
    "Someone is saving this meeting to DingTalk right now. This page shows the outcome when it is done, in "
    "about %(wait)s at the latest."
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
    "It tries again in about %(wait)s; until then nobody can save the meeting."
)
# The person's own attempt, checked (the page of their submission): said when the page is shown, from the row.
CHECKED_YOURS_SAVED = _(
    "Checked with DingTalk: your change was saved after all. DingTalk has “%(title)s” from %(start)s to %(end)s "
    "(%(time_zone)s)."
)
CHECKED_YOURS_NOT_SAVED = _(
    "Checked with DingTalk: your change was not saved, and nothing was changed there. DingTalk has “%(title)s” "
    "from %(start)s to %(end)s (%(time_zone)s). What you typed is back in the form."
)
CHECKED_YOURS_NOT_SAVED_CHANGED_THERE = _(
    "Checked with DingTalk: your change was not saved. DingTalk has other values, changed there directly: "
    "“%(title)s” from %(start)s to %(end)s (%(time_zone)s); the portal now shows those. What you typed is back "
    "in the form."
)

# The background sync (services/sync.py): what DingTalk changed, taken over, as History shows it.
SYNCED_CHANGED = _(
    "Changed in DingTalk: the portal took over “%(title)s” from %(start)s to %(end)s (%(time_zone)s), as DingTalk "
    "has it now."
)
SYNCED_CANCELED = _("Canceled in DingTalk: the portal marked the meeting canceled.")
