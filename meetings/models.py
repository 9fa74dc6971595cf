import json
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedTextField
from .texts import group_digits
from .validators import validate_api_base, validate_time_zone


class VisibleQuerySet(models.QuerySet):
    """`visible_to(user)`: the rows of the organizations the person is a member of; all for a superuser."""

    organization_path = "organization"  # the lookup from a row to its Organization ("" on Organization)

    def visible_to(self, user):
        if user.is_superuser:
            return self
        members = f"{self.organization_path}__members" if self.organization_path else "members"
        return self.filter(**{members: user})


class OrganizationQuerySet(VisibleQuerySet):
    organization_path = ""


class Organization(models.Model):
    """A DingTalk organization and the credentials the portal uses to act for it."""

    class AuthMode(models.TextChoices):
        ACCESS_TOKEN = "access_token", _("Pasted access token")
        INTERNAL_APP = "internal_app", _("Internal app (app key and secret)")
        THIRD_PARTY_APP = "third_party_app", _("Third-party enterprise app")

    class ApiBase(models.TextChoices):
        MAINLAND = "https://api.dingtalk.com", _("DingTalk (api.dingtalk.com)")
        INTERNATIONAL = "https://api.dingtalk.io", _("International DingTalk (api.dingtalk.io)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    api_base = models.CharField(
        _("API base URL"), max_length=200, default=ApiBase.MAINLAND, validators=[validate_api_base]
    )
    auth_mode = models.CharField(
        _("authentication"), max_length=20, choices=AuthMode.choices, default=AuthMode.ACCESS_TOKEN
    )
    # Pasted by an admin (ACCESS_TOKEN mode) or cached from DingTalk's token API (app modes).
    access_token = EncryptedTextField(_("access token"), blank=True, default="")
    access_token_expires_at = models.DateTimeField(_("access token expires at"), null=True, blank=True)
    # Internal app: appKey/appSecret. Third-party app: suiteKey/suiteSecret, authCorpId, suiteTicket.
    app_key = models.CharField(_("app key / suite key"), max_length=128, blank=True, default="")
    app_secret = EncryptedTextField(_("app secret / suite secret"), blank=True, default="")
    auth_corp_id = models.CharField(_("authorized corp ID"), max_length=128, blank=True, default="")
    suite_ticket = EncryptedTextField(_("suite ticket"), blank=True, default="")
    # Single-flight token refresh across processes and hosts: whoever sets this lease in the future
    # (with a conditional UPDATE) asks DingTalk; everyone else waits for the new token.
    token_refresh_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Who new meetings are booked for unless the office admin names someone else (a DingTalk unionId).
    default_creator_union_id = models.CharField(
        _("default creator union ID"),
        max_length=128,
        blank=True,
        default="",
        help_text=_("Meetings booked in the portal are created for this person unless another is given."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="dingtalk_organizations", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        # ZoneInfo caches instances by key: this is a dict lookup, not a file read.
        return zoneinfo.ZoneInfo(self.time_zone)


class Meeting(models.Model):
    """A booked DingTalk meeting the portal knows by its ID (DingTalk has no API to list them)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Scheduled")
        CANCELED = "canceled", _("Canceled in DingTalk")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("organization")
    )
    schedule_conference_id = models.CharField(_("conference ID"), max_length=128)
    creator_union_id = models.CharField(_("creator union ID"), max_length=128)
    # DingTalk cuts titles to 50 characters on create; a longer one read back is stored as is.
    title = models.CharField(_("title"), max_length=256)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # What people know the meeting by: its meeting number (digits) and join link, from DingTalk's create or
    # query API; the dial-in numbers from the create.
    room_code = models.CharField(_("meeting number"), max_length=64, blank=True, default="")
    join_url = models.CharField(_("join link"), max_length=512, blank=True, default="")
    phones = models.JSONField(_("dial-in numbers"), default=list, blank=True)
    # "Remove from the portal": the meeting leaves the list, its audit rows stay; adding it again clears this.
    removed_at = models.DateTimeField(_("removed from the portal"), null=True, blank=True, editable=False)
    # Optimistic concurrency: a save must be based on the version it read.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # One save at a time talks to DingTalk for a meeting: whoever sets this lease in the future (with a
    # conditional UPDATE) may read and write DingTalk; a second save meanwhile is refused, not queued.
    update_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "schedule_conference_id"], name="unique_conference_per_organization"
            ),
        ]
        indexes = [
            models.Index(fields=["-starts_at", "-id"], name="meeting_newest_first"),
            # A member's list: their organization's meetings read in order, not all of them sorted per page
            # (benchmarks/meeting_list.py: 10,000 meetings took twice as long as 100 without it, on SQLite).
            models.Index(fields=["organization", "-starts_at", "-id"], name="meeting_org_newest_first"),
        ]
        permissions = [
            ("reschedule_meeting", _("Can change a meeting's start and end")),
            ("view_activity", _("Can view the activity log")),
            ("cancel_meeting", _("Can cancel a meeting in DingTalk")),
            ("change_meeting_settings", _("Can change a meeting's settings in DingTalk")),
            ("bulk_rename_meetings", _("Can rename many meetings at once")),
        ]

    def __str__(self):
        return self.title

    @property
    def is_canceled(self) -> bool:
        return self.status == self.Status.CANCELED

    @property
    def meeting_number(self) -> str:
        """The meeting number grouped as DingTalk shows it ("838 722 1234"); "" when unknown."""
        return group_digits(self.room_code)


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

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")
        CONFLICT = "conflict", _("Stopped: changed elsewhere")
        # Written before the update goes to DingTalk; a row still in progress belongs to a dead process.
        IN_PROGRESS = "in_progress", _("In progress")
        # The update may have reached DingTalk, but no answer said so: settled later by reading DingTalk.
        UNKNOWN = "unknown", _("Unknown: may have been saved")
        NOT_APPLIED = "not_applied", _("Did not change")

    # Outcomes that wait for the portal to read DingTalk (services.meeting_reconcile).
    PENDING = (Outcome.IN_PROGRESS, Outcome.UNKNOWN)
    # How a row settled by reading DingTalk shows its outcome: it was unknown first.
    SETTLED_LABELS = {
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
    # A pending row (PENDING): when the portal may read DingTalk to settle it, because no try of the
    # update can still arrive after then.
    check_after = models.DateTimeField(_("check with DingTalk after"), null=True, blank=True)
    # Set when a pending row was settled by reading DingTalk (its outcome is then SUCCESS or NOT_APPLIED).
    reconciled_at = models.DateTimeField(_("checked with DingTalk at"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("meeting change")
        verbose_name_plural = _("meeting changes")

    def __str__(self):
        return f"{self.get_action_display()} {self.meeting_id} {self.outcome_label}"

    @property
    def outcome_label(self) -> str:
        """The outcome as history, activity and the CSV show it; a settled row says it was unknown first."""
        if self.reconciled_at is not None and self.outcome in self.SETTLED_LABELS:
            return str(self.SETTLED_LABELS[self.outcome])
        return self.get_outcome_display()

    @property
    def is_restorable(self) -> bool:
        """A successful change of the title or times, whose old values the edit form can be opened with."""
        return (
            self.outcome == self.Outcome.SUCCESS
            and self.action in {self.Action.UPDATE, self.Action.REFRESH}
            and bool(self.old_title)
            and self.old_starts_at is not None
            and self.old_ends_at is not None
        )

    def settings_rows(self) -> list[tuple[str, str, str]]:
        """(setting, old, new) for each setting the attempt sent, as a person reads them."""
        from . import texts  # texts speaks of models' choices; imported late to keep models first

        # In the form's order: PostgreSQL's jsonb keeps no key order.
        return [
            (str(label), texts.setting_value(name, old), texts.setting_value(name, new))
            for name, label in texts.SETTING_LABELS.items()
            if name in self.settings_changes
            for old, new in [self.settings_changes[name]]
        ]

    def settings_summary(self) -> str:
        return "; ".join(f"{label}: {old} → {new}" for label, old, new in self.settings_rows())


class BulkRename(models.Model):
    """A find-and-replace over many meetings' titles, run in the background by a task (meetings/tasks.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    find = models.CharField(_("find"), max_length=256)
    replace = models.CharField(_("replace with"), max_length=256, blank=True, default="")
    whole_word = models.BooleanField(_("whole word"), default=False)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organization"),
    )
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run working on the job now, and when it last showed life: a run whose worker died stops
    # beating, and the next look at the job starts another (services.bulk_rename_resume_if_stalled).
    run_token = models.CharField(max_length=36, blank=True, default="", editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk rename")
        verbose_name_plural = _("bulk renames")

    def __str__(self):
        return f"{self.find} → {self.replace}"


class BulkRenameItem(models.Model):
    """One meeting of a bulk rename: the title it had when previewed, the one it gets, and how it went."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SAVING = "saving", _("Saving")
        RENAMED = "renamed", _("Renamed")
        UNCHANGED = "unchanged", _("Already renamed")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(BulkRename, on_delete=models.CASCADE, related_name="items")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+", verbose_name=_("meeting"))
    old_title = models.CharField(_("old title"), max_length=256)
    new_title = models.CharField(_("new title"), max_length=256)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    message = models.TextField(_("message"), blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "meeting"], name="one_item_per_meeting_and_job")]

    def __str__(self):
        return f"{self.old_title} → {self.new_title}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.RENAMED, self.State.UNCHANGED, self.State.FAILED}


class MeetingImport(models.Model):
    """Many meetings added at once (/meetings/import/): first a preview of every line, then, once confirmed,
    the registration of those that can be added. Both run as background jobs (meetings/tasks.py)."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Asking DingTalk about each line")
        PREVIEWED = "previewed", _("Ready to confirm")
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Adding meetings")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Stopped by an error")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWING)
    # The language of the person who started it: the jobs write each line's reason in it.
    language = models.CharField(max_length=16, blank=True, default="")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("meeting import")
        verbose_name_plural = _("meeting imports")

    def __str__(self):
        return f"{self.organization} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.PREVIEWING, self.Status.QUEUED, self.Status.RUNNING}


class MeetingImportLine(models.Model):
    """One line of an import: what it said, what DingTalk says about it, and what became of it."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not yet")
        ADDED = "added", _("Added")
        NOT_ADDED = "not_added", _("Not added")

    meeting_import = models.ForeignKey(MeetingImport, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField(_("line"))
    text = models.CharField(_("line"), max_length=500)
    room_code = models.CharField(max_length=64, blank=True, default="")
    schedule_conference_id = models.CharField(max_length=128, blank=True, default="")
    creator_union_id = models.CharField(max_length=128, blank=True, default="")
    # The preview: what DingTalk has, or why the line cannot be added (then `problem` is set).
    checked = models.BooleanField(default=False)
    title = models.CharField(max_length=256, blank=True, default="")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    creator_nick = models.CharField(max_length=128, blank=True, default="")
    problem = models.TextField(blank=True, default="")
    # The run: added, or not with the reason.
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    message = models.TextField(blank=True, default="")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}: {self.text}"

    @property
    def addable(self) -> bool:
        return self.checked and not self.problem


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
