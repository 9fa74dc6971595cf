"""An organization, the credentials the portal acts with, and who may see its rows (`visible_to`)."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..fields import ApiBaseField, EncryptedTextField
from ..validators import validate_api_base, validate_time_zone


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
    # Stored canonical (ApiBaseField): one DingTalk host is one value, copied onto each meeting (Meeting.api_base).
    api_base = ApiBaseField(_("API base URL"), max_length=200, default=ApiBase.MAINLAND, validators=[validate_api_base])
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
    # The DingTalk corp (organization) people choose when they sign in with DingTalk: only people of a
    # corp an organization here names may sign in, and office admins approve them into organizations of it.
    corp_id = models.CharField(
        _("DingTalk corp ID"),
        max_length=64,
        blank=True,
        default="",
        db_index=True,
        help_text=_("People who sign in with DingTalk choosing this corp may ask to join (e.g. ding1234abcd)."),
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
