"""People who sign in with DingTalk, and the audit of who got in, who asked and who decided.

A person is a Django user (their groups and organizations are the portal's roles and access) with their
DingTalk identity beside it. The first sign-in makes them pending: an inactive user, so no session can be
made for them, and an office admin approves (active, a role, organizations) or refuses them. A refused or
removed person's user stays inactive, whatever they try: Django's backends refuse an inactive user, also
for a session made before, on its next request.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        REMOVED = "removed", _("Removed")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dingtalk_person", verbose_name=_("user")
    )
    # The person's DingTalk identity: the unionId is also the creator union ID the meeting APIs want.
    union_id = models.CharField(_("DingTalk union ID"), max_length=128, unique=True)
    nick = models.CharField(_("DingTalk name"), max_length=150)
    # The corp the person chose at their latest sign-in.
    corp_id = models.CharField(_("DingTalk corp ID"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), db_default=Now())

    class Meta:
        ordering = ["nick", "pk"]
        verbose_name = _("DingTalk person")
        verbose_name_plural = _("DingTalk people")
        permissions = [("approve_person", "Can approve and remove people who sign in with DingTalk")]

    def __str__(self):
        return self.nick


class AccessEvent(models.Model):
    """One sign-in, refusal or decision: who, when, from which corp, and who decided."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in with DingTalk")
        ASKED = "asked", _("Asked for access")
        STILL_PENDING = "still_pending", _("Signed in, still waiting for approval")
        UNKNOWN_CORP = "unknown_corp", _("Refused: corp not on the portal")
        STAYED_OUT = "stayed_out", _("Refused: access refused or removed")
        FAILED = "failed", _("Sign-in failed")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        REMOVED = "removed", _("Access removed")

    at = models.DateTimeField(_("when"), db_default=Now(), db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("person")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # Copied, so the row still says who it was when the person is gone.
    union_id = models.CharField(_("DingTalk union ID"), max_length=128, blank=True, default="")
    nick = models.CharField(_("DingTalk name"), max_length=150, blank=True, default="")
    corp_id = models.CharField(_("DingTalk corp ID"), max_length=64, blank=True, default="")
    detail = models.CharField(_("detail"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.nick or self.union_id}"
