"""Sign in with DingTalk end to end: the portal over real HTTP, the sandbox playing DingTalk (its login page,
userAccessToken, contact/users/me). A new person asks, an office admin approves them as helpdesk, and they fix
a title under their DingTalk name."""

import importlib
import urllib.parse

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import AccessEvent, Person
from dingtalk_sandbox import DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET, UNKNOWN_CORP_ID, LoginPerson
from meetings import texts
from meetings.models import MeetingChange

from .helpers import PASSWORD, save
from .portal import Page, Portal

pytestmark = pytest.mark.e2e

CORP_ID = "ding-e2e-berlin"
MEI = LoginPerson("e2e-union-mei", "王美 Mei", CORP_ID, "Berlin Office")
STRANGER = LoginPerson("e2e-union-stranger", "Stranger", UNKNOWN_CORP_ID, "Other Company")
CALLBACK = "/accounts/dingtalk/login/callback/"


@pytest.fixture
def roles(transactional_db):
    """The role groups as the data migrations make them (live_server's flushes empty every table)."""
    for module, app_label in (
        ("meetings.migrations.0002_roles", "meetings"),
        ("meetings.migrations.0008_power_tools", "meetings"),
    ):
        for name, codenames in importlib.import_module(module).ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    Group.objects.get(name="Office admins").permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="approve_person")
    )


@pytest.fixture
def dingtalk_login(settings, sandbox, live_server, organization):
    """The portal signs people in with the sandbox's login app, which sends them back to this portal only."""
    settings.DINGTALK_LOGIN_CLIENT_ID = DEMO_LOGIN_CLIENT_ID
    settings.DINGTALK_LOGIN_CLIENT_SECRET = DEMO_LOGIN_CLIENT_SECRET
    settings.DINGTALK_LOGIN_URL = sandbox.base_url + "/oauth2/auth"
    settings.DINGTALK_LOGIN_API_BASE = sandbox.base_url
    sandbox.state.signin.add_app(DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET, live_server.url + CALLBACK)
    for person in (MEI, STRANGER):
        sandbox.state.signin.add_person(person)
    organization.corp_id = CORP_ID
    organization.save(update_fields=["corp_id"])
    yield
    sandbox.state.signin.add_app(DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET)


@pytest.fixture
def approver(django_user_model, roles, organization):
    user = django_user_model.objects.create_user("olivia", password=PASSWORD)
    user.groups.add(Group.objects.get(name="Office admins"))
    organization.members.add(user)
    return user


def sign_in_with_dingtalk(browser: Portal, person: LoginPerson) -> Page:
    """Click "Sign in with DingTalk", pick `person` on the sandbox's login page, come back to the portal."""
    login = browser.get("/accounts/login/")
    dingtalk_page = browser.submit(login, {}, action=reverse("dingtalk_login"))
    assert "/oauth2/auth" in dingtalk_page.url and dingtalk_page.status == 200
    choice = next(
        form
        for form in dingtalk_page.forms
        if form["values"].get("union_id") == person.union_id and form["values"].get("corp_id") == person.corp_id
    )
    url = urllib.parse.urljoin(dingtalk_page.url, choice["action"])
    return Page(browser.session.post(url, data=choice["values"], timeout=30))


def signed_in(browser: Portal) -> bool:
    return "/accounts/login/" not in browser.get(reverse("meetings:list")).url


def test_a_new_person_is_approved_as_helpdesk_and_fixes_a_title_under_their_dingtalk_name(
    live_server, sandbox, dingtalk_login, approver, meeting
):
    mei = Portal(live_server.url)
    asked = sign_in_with_dingtalk(mei, MEI)
    assert asked.url.startswith(live_server.url + CALLBACK)
    assert texts.SIGN_IN_PENDING % {"nick": MEI.nick} in asked.html
    assert not signed_in(mei)
    # What DingTalk received: the code for the app's credentials, then the person's token, once each.
    (token_call,) = sandbox.state.requests("user_token")
    assert token_call["body"]["clientId"] == DEMO_LOGIN_CLIENT_ID
    assert token_call["body"]["clientSecret"] == DEMO_LOGIN_CLIENT_SECRET
    assert token_call["body"]["grantType"] == "authorization_code"
    assert len(sandbox.state.requests("users_me")) == 1

    olivia = Portal(live_server.url)
    olivia.log_in(approver.username, PASSWORD)
    people = olivia.get(reverse("people"))
    person = Person.objects.get(union_id=MEI.union_id)
    prefix = f"person-{person.pk}-"
    decided = olivia.submit(
        people,
        {f"{prefix}role": "helpdesk", f"{prefix}organizations": str(meeting.organization_id), "approve": "1"},
        action=reverse("person_decide", args=[person.pk]),
    )
    assert ("success", texts.PERSON_APPROVED % {"nick": MEI.nick, "role": "Helpdesk"}) in decided.messages

    arrived = sign_in_with_dingtalk(mei, MEI)
    assert arrived.url == live_server.url + reverse("meetings:list")
    assert MEI.nick in arrived.html
    fixed = save(mei, meeting, title="Design review", start_time="2027-03-15T10:00", end_time="2027-03-15T11:00")
    assert fixed.messages[0][0] == "success"
    assert sandbox.state.get_meeting(meeting.schedule_conference_id).title == "Design review"
    change = MeetingChange.objects.get(meeting=meeting)
    assert change.user.dingtalk_person == person
    history = olivia.get(reverse("meetings:history", args=[meeting.pk]))
    assert MEI.nick in history.html
    kinds = set(AccessEvent.objects.values_list("kind", flat=True))
    assert {AccessEvent.Kind.ASKED, AccessEvent.Kind.APPROVED, AccessEvent.Kind.SIGNED_IN} <= kinds


def test_a_person_of_a_corp_the_portal_does_not_know_is_refused(live_server, sandbox, dingtalk_login, roles):
    stranger = Portal(live_server.url)
    refused = sign_in_with_dingtalk(stranger, STRANGER)
    assert refused.status == 403
    assert str(texts.SIGN_IN_UNKNOWN_CORP) in refused.html.replace("&#x27;", "'")
    assert not signed_in(stranger)
    assert not Person.objects.exists()


def test_a_replayed_callback_is_refused(live_server, sandbox, dingtalk_login, approver, meeting):
    mei = Portal(live_server.url)
    sign_in_with_dingtalk(mei, MEI)  # asks
    login = mei.get("/accounts/login/")
    dingtalk_page = mei.submit(login, {}, action=reverse("dingtalk_login"))
    choice = next(form for form in dingtalk_page.forms if form["values"].get("union_id") == MEI.union_id)
    back = mei.session.post(
        urllib.parse.urljoin(dingtalk_page.url, choice["action"]), data=choice["values"], allow_redirects=False
    )
    callback = back.headers["Location"]
    assert mei.session.get(callback, timeout=30).status_code == 200  # the waiting page
    replayed = mei.session.get(callback, timeout=30)
    assert replayed.status_code == 400
    assert not signed_in(mei)
    # The code was spent at DingTalk once; the replay never reached it.
    assert len(sandbox.state.requests("user_token")) == 2
