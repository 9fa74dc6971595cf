"""The audit trail: one row for each attempt to change a meeting, whatever DingTalk answered."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .meeting import Meeting
from .organization import Organization, VisibleQuerySet


class MeetingChange(models.Model):
    """One attempt to change a meeting in DingTalk, kept whether DingTalk said yes or no."""

    class Action(models.TextChoices):
        REGISTER = "register", _("Registered")
        UPDATE = "update", _("Update")
        REFRESH = "refresh", _("Read from DingTalk")
        CREATE = "create", _("Booked in DingTalk")
        CANCEL = "cancel", _("Canceled")
        SETTINGS = "settings", _("Settings")
        CREATOR = "creator", _("Creator changed")
        REMOVE = "remove", _("Removed from the portal")
        # The background sync found DingTalk's title, times or status changed there, and took them over.
        SYNC = "sync", _("Changed in DingTalk")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")
        CONFLICT = "conflict", _("Stopped: changed elsewhere")
        # Written before the update goes to DingTalk; a row still in progress belongs to a dead process.
        IN_PROGRESS = "in_progress", _("In progress")
        # The update may have reached DingTalk, but no answer said so: checked later by reading DingTalk.
        UNKNOWN = "unknown", _("Unknown: may have been saved")
        NOT_APPLIED = "not_applied", _("Did not change")

    # Outcomes that wait for the portal to read DingTalk (services.meeting_save_check).
    PENDING = (Outcome.IN_PROGRESS, Outcome.UNKNOWN)
    # How a row checked by reading DingTalk shows its outcome: it was unknown first.
    CHECKED_LABELS = {
        Outcome.SUCCESS: _("Unknown → succeeded (checked with DingTalk)"),
        Outcome.NOT_APPLIED: _("Unknown → did not change (checked with DingTalk)"),
    }

    # None only for a create that left no meeting to name (DingTalk refused it, or its reply was lost).
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, related_name="changes", verbose_name=_("meeting")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="meeting_changes",
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.UPDATE)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    # The meeting's version the attempt started from: "what changed since I opened the form" is every
    # successful change based on that version or a later one.
    based_on_version = models.PositiveIntegerField(_("based on version"), null=True, blank=True)
    old_title = models.CharField(_("old title"), max_length=256, blank=True, default="")
    new_title = models.CharField(_("new title"), max_length=256, blank=True, default="")
    old_starts_at = models.DateTimeField(_("old start"), null=True, blank=True)
    new_starts_at = models.DateTimeField(_("new start"), null=True, blank=True)
    old_ends_at = models.DateTimeField(_("old end"), null=True, blank=True)
    new_ends_at = models.DateTimeField(_("new end"), null=True, blank=True)
    # A settings change: {setting name: [old, new]} for each setting sent.
    settings_changes = models.JSONField(_("settings changed"), default=dict, blank=True)
    dingtalk_code = models.CharField(_("DingTalk code"), max_length=128, blank=True, default="")
    request_id = models.CharField(_("request ID"), max_length=128, blank=True, default="")
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    # The sentence the person was shown, so helpdesk reads the same words later.
    message = models.TextField(_("message"), blank=True, default="")
    # `message` as its code and parameters (texts.Sentence.as_data) where it has them (a failed DingTalk
    # call): history shows it in the reader's language. Rows without one show `message` as written.
    message_sentence = models.JSONField(null=True, blank=True, editable=False)
    # A pending row (PENDING): when the portal may read DingTalk to check it, because no try of the
    # update can still arrive after then.
    check_after = models.DateTimeField(_("check with DingTalk after"), null=True, blank=True)
    # Set when a pending row was checked by reading DingTalk (its outcome is then SUCCESS or NOT_APPLIED).
    checked_at = models.DateTimeField(_("checked with DingTalk at"), null=True, blank=True)
    # A save from the edit form or a booking from the booking form: the key of that submission
    # (services.form_submission_key: the form's token, the person, the meeting and the values sent). Unique, so
    # the same form posted again -- a second click, Back and submit -- finds this attempt and is answered with
    # its outcome instead of saving (or booking) twice; the page after the redirect (`?submission=<key>`) reads
    # the attempt by it. NULL for every other attempt.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # A save stopped because DingTalk had been changed directly: what DingTalk had (title, ISO start and end),
    # for the page after the redirect to show beside the portal's copy.
    dingtalk_values = models.JSONField(null=True, blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("meeting change")
        verbose_name_plural = _("meeting changes")

    def __str__(self):
        return f"{self.get_action_display()} {self.meeting_id} {self.outcome_label}"

    @property
    def message_shown(self) -> str:
        """The message, in the reader's language when it was kept as a sentence."""
        from meetings import texts  # texts name the models' fields: imported when shown

        return texts.shown(self.message_sentence, self.message)

    @property
    def outcome_label(self) -> str:
        """The outcome as history, activity and the CSV show it; a checked row says it was unknown first."""
        if self.checked_at is not None and self.outcome in self.CHECKED_LABELS:
            return str(self.CHECKED_LABELS[self.outcome])
        return self.get_outcome_display()

    @property
    def is_restorable(self) -> bool:
        """A successful change of the title or times, whose old values the edit form can be opened with."""
        return (
            self.outcome == self.Outcome.SUCCESS
            and self.action in {self.Action.UPDATE, self.Action.REFRESH, self.Action.SYNC}
            and bool(self.old_title)
            and self.old_starts_at is not None
            and self.old_ends_at is not None
        )

    def settings_rows(self) -> list[tuple[str, str, str]]:
        """(setting, old, new) for each setting the attempt sent, as a person reads them."""
        from .. import texts  # texts speaks of models' choices; imported late to keep models first

        # In the form's order: PostgreSQL's jsonb keeps no key order.
        return [
            (str(label), texts.setting_value(name, old), texts.setting_value(name, new))
            for name, label in texts.SETTING_LABELS.items()
            if name in self.settings_changes
            for old, new in [self.settings_changes[name]]
        ]

    def settings_summary(self) -> str:
        return "; ".join(f"{label}: {old} → {new}" for label, old, new in self.settings_rows())
