"""A booked DingTalk meeting the portal knows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..fields import ApiBaseField
from ..texts import group_digits
from ..validators import validate_dial_in_numbers, validate_dingtalk_id, validate_http_link, validate_meeting_number
from .organization import Organization, VisibleQuerySet


class MeetingQuerySet(VisibleQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As create(): each new meeting takes its organization's host (Meeting.api_base)."""
        objs = list(objs)
        for meeting in objs:
            if not meeting.api_base:
                meeting.api_base = meeting.organization.api_base
        return super().bulk_create(objs, *args, **kwargs)


class Meeting(models.Model):
    """A booked DingTalk meeting the portal knows by its ID (DingTalk has no API to list them)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Scheduled")
        CANCELED = "canceled", _("Canceled in DingTalk")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("organization")
    )
    # The organization's DingTalk host (Organization.api_base), kept on the row so that the database itself
    # holds "one live registration per host and conference ID" (Meta.constraints): a conference ID is
    # DingTalk's per host, and two organizations on one host must not both add the same meeting. Set by
    # save() and bulk_create() on a new row; services.organization_save carries a change of the
    # organization's host over.
    api_base = ApiBaseField(_("API base URL"), max_length=200, editable=False)
    # The fields' limits and validators are the rule for every value DingTalk sends (dingtalk/replies.py).
    schedule_conference_id = models.CharField(_("conference ID"), max_length=128, validators=[validate_dingtalk_id])
    creator_union_id = models.CharField(_("creator union ID"), max_length=128, validators=[validate_dingtalk_id])
    # DingTalk cuts titles to 50 characters on create; a longer one read back is stored as is.
    title = models.CharField(_("title"), max_length=256)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # What people know the meeting by: its meeting number (digits) and join link, from DingTalk's create or
    # query API; the dial-in numbers from the create.
    meeting_number = models.CharField(
        _("meeting number"), max_length=64, blank=True, default="", validators=[validate_meeting_number]
    )
    join_url = models.CharField(_("join link"), max_length=512, blank=True, default="", validators=[validate_http_link])
    phones = models.JSONField(_("dial-in numbers"), default=list, blank=True, validators=[validate_dial_in_numbers])
    # "Remove from the portal": the meeting leaves the list, its audit rows stay; adding it again clears this.
    removed_at = models.DateTimeField(_("removed from the portal"), null=True, blank=True, editable=False)
    # Optimistic concurrency: a save must be based on the version it read.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # One save at a time talks to DingTalk for a meeting: whoever sets this lease in the future (with a
    # conditional UPDATE) may read and write DingTalk; a second save meanwhile is refused, not queued.
    update_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # When the portal last read the meeting from DingTalk in the background (services/sync.py).
    last_synced_at = models.DateTimeField(_("last read from DingTalk"), null=True, blank=True, editable=False)
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

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "schedule_conference_id"], name="unique_conference_per_organization"
            ),
            # Two adds at the same moment (two hosts, two organizations): one row is stored, the other
            # insert fails and is answered "already in the portal" (services/registration.py).
            models.UniqueConstraint(
                fields=["api_base", "schedule_conference_id"],
                condition=models.Q(removed_at__isnull=True),
                name="one_live_registration_per_host",
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

    def save(self, *args, **kwargs):
        if self._state.adding or not self.api_base:
            self.api_base = self.organization.api_base
        super().save(*args, **kwargs)

    @property
    def is_canceled(self) -> bool:
        return self.status == self.Status.CANCELED

    @property
    def meeting_number_grouped(self) -> str:
        """The meeting number grouped as DingTalk shows it ("838 722 1234"); "" when unknown."""
        return group_digits(self.meeting_number)
