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
    "This form is being saved: DingTalk has not answered it yet. This page shows the outcome as soon as "
    "it has, at the latest after %(time)s (%(time_zone)s)."
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
OUTCOME_UNKNOWN_LEASE_LOST = _(
    "Your change reached DingTalk, or may still, only after the portal had stopped waiting for it, and "
    "the meeting was saved or checked by someone else meanwhile. It is not known yet which values DingTalk "
    "kept: the portal checks with DingTalk after %(time)s (%(time_zone)s) and then shows what it has; the "
    "meeting's history will say what happened to your change."
)
WAITING_FOR_CHECK = _(
    "Not saved: it is not known yet whether an earlier save of this meeting reached DingTalk. Nobody can "
    "save it until the portal has checked with DingTalk, after %(time)s (%(time_zone)s). Your input is "
    "still in the form."
)
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
    "It tries again after %(time)s (%(time_zone)s); until then nobody can save the meeting."
)

# The background sync (services/sync.py): what DingTalk changed, taken over, as History shows it.
SYNCED_CHANGED = _(
    "Changed in DingTalk: the portal took over “%(title)s” from %(start)s to %(end)s (%(time_zone)s), as DingTalk "
    "has it now."
)
SYNCED_CANCELED = _("Canceled in DingTalk: the portal marked the meeting canceled.")
