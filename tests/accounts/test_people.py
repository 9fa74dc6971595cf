"""/people/: office admins approve, refuse and take away access of people who signed in with DingTalk."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from accounts import services
from accounts.models import AccessEvent, Person
from meetings import texts
from tests.accounts.helpers import NICK, UNION_ID
from tests.helpers import shown_messages


@pytest.fixture
def pending(corp_organization):
    person, _ = services._person_for(union_id=UNION_ID, nick=NICK, corp_id=corp_organization.corp_id)
    return person


@pytest.fixture
def approver_client(client, approver):
    client.force_login(approver)
    return client


def decide(client, person, button, **fields):
    prefix = f"person-{person.pk}-"
    data = {button: "1", **{prefix + name: value for name, value in fields.items()}}
    return client.post(reverse("person_decide", args=[person.pk]), data, follow=True)


def test_an_office_admin_sees_the_pending_people_of_their_corp_with_the_decision_form(approver_client, pending):
    page = approver_client.get(reverse("people")).content.decode()
    assert NICK in page
    for name in (f'name="person-{pending.pk}-role"', f'name="person-{pending.pk}-organizations"'):
        assert name in page
    assert 'name="approve"' in page and 'name="refuse"' in page


def test_pending_people_of_another_corp_are_not_shown_nor_decidable(approver_client, other_organization):
    stranger, _ = services._person_for(union_id="union-Berlin", nick="Bernd", corp_id=other_organization.corp_id)
    assert "Bernd" not in approver_client.get(reverse("people")).content.decode()
    response = decide(approver_client, stranger, "approve", role="helpdesk", organizations=[other_organization.pk])
    assert response.status_code == 404
    assert Person.objects.get(pk=stranger.pk).status == Person.Status.PENDING


def test_approving_as_helpdesk_gives_the_role_and_the_organization(
    approver_client, approver, pending, corp_organization
):
    response = decide(approver_client, pending, "approve", role="helpdesk", organizations=[corp_organization.pk])
    assert texts.PERSON_APPROVED % {"nick": NICK, "role": "Helpdesk"} in shown_messages(response)
    user = Person.objects.get(pk=pending.pk).user
    assert user.is_active
    assert list(user.groups.values_list("name", flat=True)) == ["Helpdesk"]
    assert list(user.dingtalk_organizations.all()) == [corp_organization]
    event = AccessEvent.objects.get(kind=AccessEvent.Kind.APPROVED)
    assert (event.person_id, event.by) == (pending.pk, approver)
    # Now listed among the approved, with role and organization.
    assert [person.pk for person, _ in response.context["approved"]] == [pending.pk]


def test_approving_into_an_organization_that_is_not_the_approvers_is_refused(
    approver_client, pending, corp_organization, django_user_model
):
    from meetings.models import Organization

    foreign = Organization.objects.create(name="Not mine", time_zone="UTC", corp_id=corp_organization.corp_id)
    response = decide(approver_client, pending, "approve", role="office_admin", organizations=[foreign.pk])
    assert response.status_code == 400
    assert escape(str(texts.PERSON_NOT_YOURS)) in response.content.decode()
    assert Person.objects.get(pk=pending.pk).status == Person.Status.PENDING


def test_approving_without_an_organization_says_so(approver_client, pending):
    response = decide(approver_client, pending, "approve", role="helpdesk")
    assert response.status_code == 400
    assert str(texts.PERSON_NO_ORGANIZATION) in response.content.decode()


def test_refusing_keeps_the_person_out(approver_client, pending):
    response = decide(approver_client, pending, "refuse")
    assert texts.PERSON_REFUSED % {"nick": NICK} in shown_messages(response)
    person = Person.objects.get(pk=pending.pk)
    assert person.status == Person.Status.REFUSED and not person.user.is_active
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.REFUSED, person=person).exists()


def test_a_second_decision_is_told_the_first_one_won(approver_client, approver, pending, corp_organization):
    services.person_refuse(person=pending, by=approver)
    with pytest.raises(services.PersonAlreadyDecided):
        services.person_approve(person=pending, role="helpdesk", organizations=[corp_organization], by=approver)
    assert Person.objects.get(pk=pending.pk).status == Person.Status.REFUSED


def test_taking_access_away(approver_client, approver, pending, corp_organization):
    services.person_approve(person=pending, role="helpdesk", organizations=[corp_organization], by=approver)
    page = approver_client.get(reverse("people")).content.decode()
    assert NICK in page and "Helpdesk" in page and corp_organization.name in page
    response = approver_client.post(reverse("person_remove", args=[pending.pk]), follow=True)
    assert texts.PERSON_REMOVED % {"nick": NICK} in shown_messages(response)
    person = Person.objects.get(pk=pending.pk)
    assert person.status == Person.Status.REMOVED and not person.user.is_active
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.REMOVED, by=approver).exists()


def test_helpdesk_cannot_open_people(client, helpdesk):
    client.force_login(helpdesk)
    assert client.get(reverse("people")).status_code == 403


def test_office_admins_carry_the_permission(approver):
    assert Group.objects.get(name="Office admins").permissions.filter(codename="approve_person").exists()
    assert approver.has_perm("accounts.approve_person")


def test_times_are_in_the_organizations_zone_named_in_words(approver_client, approver, pending):
    Person.objects.filter(pk=pending.pk).update(created_at=datetime.datetime(2026, 12, 7, 2, 41, tzinfo=datetime.UTC))
    page = approver_client.get(reverse("people")).content.decode()

    assert '2026-12-07 10:41</time> <span class="zone">Beijing time (UTC+8)</span>' in page
    assert " UTC<" not in page and "UTC</p>" not in page
