"""The edit form's submissions, remembered so that a repeated one is answered, not saved again."""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from .meeting import Meeting


class EditSubmission(models.Model):
    """One submission of a meeting's edit form and how it ended; kept for a day (EDIT_SUBMISSION_KEPT).

    `key` is the token the edit page renders into its form, new at every page load. A second submission
    of the same form with the same values (a second click while DingTalk answers slowly, Back and submit
    again) finds this row and is answered with the first one's outcome instead of saving again. The page
    after the redirect (Post/Redirect/Get) reads the typed values, the message and the conflict back from
    it, so a reload shows the same page and never asks to resubmit. In the database, not the session or a
    per-process cache: a repeated click may reach another worker while the first is still running.
    """

    key = models.CharField(max_length=64, unique=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What was posted (field name -> value) as JSON, to show again. Text, not a JSONField: PostgreSQL's
    # jsonb cannot hold the NUL character a crafted POST may carry; json.dumps escapes it.
    posted = models.TextField()
    # How it ended, for the page after the redirect; None while the save runs. See views/meetings.py.
    outcome = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return self.key

    @property
    def data(self) -> dict[str, str]:
        return json.loads(self.posted)
