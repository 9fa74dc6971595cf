"""The background jobs over many meetings: a bulk rename and an import, each with its rows a meeting; and the
periodic work of the whole deployment (`PeriodicJob`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .meeting import Meeting
from .organization import Organization, VisibleQuerySet


class Job(models.Model):
    """What every job shares to be owned by the database (services/jobs.py): the run working on it now, and
    when that run last showed life (the database's clock). A run whose worker died stops beating; the sweep
    gives the job a new run token, which the dead run -- should it wake -- no longer holds."""

    run_token = models.CharField(max_length=36, blank=True, default="", editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class BulkRename(Job):
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
    # `find` is a regular expression, `replace` its template. With whole_word, every option the rename was
    # asked with; each item's new title was made with them when the job was stored (services.bulk_rename).
    regex = models.BooleanField(_("regular expression"), default=False)
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
    # `message` as its code and parameters where it has them (texts.Sentence.as_data): shown in the reader's
    # language; rows without one show `message` as written.
    message_sentence = models.JSONField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "meeting"], name="one_item_per_meeting_and_job")]

    def __str__(self):
        return f"{self.old_title} → {self.new_title}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.RENAMED, self.State.UNCHANGED, self.State.FAILED}

    @property
    def message_shown(self) -> str:
        """The message, in the reader's language when it was kept as a sentence."""
        from meetings import texts  # texts name the models' fields: imported when shown

        return texts.shown(self.message_sentence, self.message)


class MeetingImport(Job):
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
        # Claimed by a run that is registering it: a run taken over finds out what became of it.
        ADDING = "adding", _("Being added")
        ADDED = "added", _("Added")
        NOT_ADDED = "not_added", _("Not added")

    meeting_import = models.ForeignKey(MeetingImport, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField(_("line"))
    text = models.CharField(_("line"), max_length=500)
    meeting_number = models.CharField(max_length=64, blank=True, default="")
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
    # `problem` and `message` as their code and parameters (texts.Sentence.as_data), shown in the reader's
    # language. The texts stay, in the language of whoever ran the import: what rows kept before show.
    problem_sentence = models.JSONField(null=True, blank=True)
    message_sentence = models.JSONField(null=True, blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}: {self.text}"

    @property
    def addable(self) -> bool:
        return self.checked and not self.problem

    @property
    def problem_shown(self) -> str:
        """Why the line cannot be added, in the reader's language."""
        from meetings import texts  # texts name the models' fields: imported when shown

        return texts.shown(self.problem_sentence, self.problem)

    @property
    def message_shown(self) -> str:
        """Why the line was not added, in the reader's language."""
        from meetings import texts

        return texts.shown(self.message_sentence, self.message)


class PeriodicJob(models.Model):
    """One periodic job of the whole deployment and when it is due next (the database's clock). Whichever
    worker first moves `due_at` on with a conditional UPDATE queues it: once per period, however many run."""

    name = models.CharField(max_length=100, primary_key=True)
    due_at = models.DateTimeField()

    def __str__(self):
        return self.name


class JobWorker(models.Model):
    """A `manage.py db_worker` process, and when it last showed life (the database's clock): how the sweep tells a
    django-tasks result left RUNNING by a worker that died (kill -9, the machine gone) from one still running."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    # The process's start, by its own host's clock: compared only with the results it claimed (the same clock).
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()

    def __str__(self):
        return self.worker_id
