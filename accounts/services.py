"""Who gets in with DingTalk, and the office admins' decisions about them (/people/).

Each decision is one conditional UPDATE on the person's status (healthchecks' way): two office admins
deciding at once cannot both win, and the second is told so. Every sign-in, refusal and decision leaves
an `AccessEvent` row and a log line.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models.functions import Now

from meetings.models import Organization

from .models import AccessEvent, Person

logger = logging.getLogger(__name__)

# The roles an office admin gives, as the groups of meetings/migrations/0002_roles.
ROLE_GROUPS = {"office_admin": "Office admins", "helpdesk": "Helpdesk"}
USERNAME_PREFIX = "dingtalk-"


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    PENDING = "pending"
    UNKNOWN_CORP = "unknown_corp"
    REFUSED = "refused"
    REMOVED = "removed"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    person: Person | None


class PersonAlreadyDecided(Exception):
    """Another office admin decided about this person first (or the person is not in the expected state)."""


def access_event_record(
    *,
    kind: str,
    person: Person | None = None,
    by=None,
    union_id: str = "",
    nick: str = "",
    corp_id: str = "",
    detail: str = "",
) -> AccessEvent:
    if person is not None:
        union_id, nick, corp_id = union_id or person.union_id, nick or person.nick, corp_id or person.corp_id
    event = AccessEvent.objects.create(
        kind=kind, person=person, by=by, union_id=union_id, nick=nick, corp_id=corp_id, detail=detail[:200]
    )
    logger.info("access %s union_id=%s corp_id=%s by=%s %s", kind, union_id, corp_id, getattr(by, "pk", None), detail)
    return event


def person_sign_in(*, union_id: str, nick: str, corp_id: str) -> SignIn:
    """Decide what a person DingTalk vouched for gets: a session (approved), the waiting page (pending, the
    first time as a new person), or a refusal (a corp no organization names, refused, removed)."""
    if not corp_id or not Organization.objects.filter(corp_id=corp_id).exists():
        access_event_record(kind=AccessEvent.Kind.UNKNOWN_CORP, union_id=union_id, nick=nick, corp_id=corp_id)
        return SignIn(Outcome.UNKNOWN_CORP, None)
    person, created = _person_for(union_id=union_id, nick=nick, corp_id=corp_id)
    if created:
        access_event_record(kind=AccessEvent.Kind.ASKED, person=person)
        return SignIn(Outcome.PENDING, person)
    if person.status in (Person.Status.REFUSED, Person.Status.REMOVED) or (
        person.status == Person.Status.APPROVED and not person.user.is_active
    ):
        access_event_record(kind=AccessEvent.Kind.STAYED_OUT, person=person, corp_id=corp_id, detail=person.status)
        outcome = Outcome.REFUSED if person.status == Person.Status.REFUSED else Outcome.REMOVED
        return SignIn(outcome, person)
    # The name follows DingTalk; the corp is the one chosen this time.
    Person.objects.filter(pk=person.pk).update(nick=nick, corp_id=corp_id)
    get_user_model().objects.filter(pk=person.user_id).update(first_name=nick[:150])
    person.nick, person.corp_id = nick, corp_id
    person.user.first_name = nick[:150]
    if person.status == Person.Status.PENDING:
        access_event_record(kind=AccessEvent.Kind.STILL_PENDING, person=person)
        return SignIn(Outcome.PENDING, person)
    access_event_record(kind=AccessEvent.Kind.SIGNED_IN, person=person)
    return SignIn(Outcome.SIGNED_IN, person)


def _person_for(*, union_id: str, nick: str, corp_id: str) -> tuple[Person, bool]:
    """The person with this unionId, or a new pending one (an inactive user with no password). Two first
    sign-ins at once: the unique union ID lets one create, the other finds it."""
    existing = Person.objects.select_related("user").filter(union_id=union_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            user = get_user_model()(username=f"{USERNAME_PREFIX}{union_id}", first_name=nick[:150], is_active=False)
            user.set_unusable_password()
            user.save()
            return Person.objects.create(user=user, union_id=union_id, nick=nick, corp_id=corp_id), True
    except IntegrityError:
        return Person.objects.select_related("user").get(union_id=union_id), False


def person_approve(*, person: Person, role: str, organizations: Iterable[Organization], by) -> Person:
    """A pending person gets in: active, the role's group, members of `organizations` (the form checked
    they are the approver's own, of the person's corp)."""
    group = Group.objects.get(name=ROLE_GROUPS[role])
    with transaction.atomic():
        _decide(person, frm=Person.Status.PENDING, to=Person.Status.APPROVED, by=by)
        user = person.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        user.groups.set([group])
        user.dingtalk_organizations.add(*organizations)
        names = ", ".join(organization.name for organization in organizations)
        access_event_record(kind=AccessEvent.Kind.APPROVED, person=person, by=by, detail=f"{role}: {names}")
    return person


def person_approved_ensure(
    *, union_id: str, nick: str, corp_id: str, role: str, organizations: Iterable[Organization]
) -> Person:
    """A person approved before their first sign-in (the demo's office admin); one that exists stays as
    it is, whatever was decided about them since."""
    person, created = _person_for(union_id=union_id, nick=nick, corp_id=corp_id)
    if created:
        person_approve(person=person, role=role, organizations=organizations, by=None)
    return person


def person_refuse(*, person: Person, by) -> Person:
    with transaction.atomic():
        _decide(person, frm=Person.Status.PENDING, to=Person.Status.REFUSED, by=by)
        access_event_record(kind=AccessEvent.Kind.REFUSED, person=person, by=by)
    return person


def person_remove(*, person: Person, by) -> Person:
    """An approved person loses every access: inactive (their open sessions end on their next request), no
    role, no organization."""
    with transaction.atomic():
        _decide(person, frm=Person.Status.APPROVED, to=Person.Status.REMOVED, by=by)
        user = person.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        user.groups.clear()
        user.dingtalk_organizations.clear()
        access_event_record(kind=AccessEvent.Kind.REMOVED, person=person, by=by)
    return person


def _decide(person: Person, *, frm: str, to: str, by) -> None:
    decided = Person.objects.filter(pk=person.pk, status=frm).update(status=to, decided_by=by, decided_at=Now())
    if not decided:
        raise PersonAlreadyDecided(person.pk)
    person.status, person.decided_by = to, by
