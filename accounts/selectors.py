"""Reads for /people/: the people an office admin decides about, through their own organizations."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from meetings.models import Organization

from .models import Person


def organizations_of(user) -> QuerySet[Organization]:
    """The approver's organizations that name a DingTalk corp (every one for a superuser)."""
    return Organization.objects.visible_to(user).exclude(corp_id="")


def people_pending_for(user) -> QuerySet[Person]:
    """Pending people of a corp one of the approver's organizations names."""
    corp_ids = organizations_of(user).values("corp_id")
    return Person.objects.filter(status=Person.Status.PENDING, corp_id__in=corp_ids).order_by("created_at", "pk")


def people_approved_for(user) -> QuerySet[Person]:
    """Approved people who are members of one of the approver's organizations (all for a superuser),
    with their roles and organizations at hand."""
    people = Person.objects.filter(status=Person.Status.APPROVED)
    if not user.is_superuser:
        people = people.filter(user__dingtalk_organizations__in=Organization.objects.visible_to(user)).distinct()
    return people.select_related("user").prefetch_related(
        "user__groups", Prefetch("user__dingtalk_organizations", queryset=Organization.objects.order_by("name"))
    )
