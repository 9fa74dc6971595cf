"""Signing in with DingTalk: allauth's provider against DingTalk's wire contract (faked with responses);
approval, not sign-up; every refusal leaves no session."""

import json

import pytest
import responses
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import services
from accounts.models import AccessEvent, Person
from meetings import texts
from tests.accounts.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    CORP_ID,
    NICK,
    OTHER_CORP_ID,
    UNION_ID,
    USER_TOKEN,
    come_back,
    dingtalk_answers,
    sign_in,
    start_sign_in,
)

pytestmark = pytest.mark.usefixtures("dingtalk_login", "db")


def approved_person(corp_organization, role="helpdesk"):
    person, _ = services._person_for(union_id=UNION_ID, nick=NICK, corp_id=corp_organization.corp_id)
    services.person_approve(person=person, role=role, organizations=[corp_organization], by=None)
    return Person.objects.get(pk=person.pk)


def test_the_login_page_offers_dingtalk_first_and_the_password_form_below(client):
    page = client.get(reverse("login")).content.decode()
    assert str(texts.SIGN_IN_WITH_DINGTALK) in page
    assert page.index(reverse("dingtalk_login")) < page.index('name="password"')


def test_without_the_app_the_login_page_offers_passwords_only(client, settings):
    settings.DINGTALK_LOGIN_CLIENT_SECRET = ""
    page = client.get(reverse("login")).content.decode()
    assert reverse("dingtalk_login") not in page
    assert client.post(reverse("dingtalk_login")).status_code == 404


def test_it_sends_the_person_to_dingtalk_with_the_fixed_redirect_uri_and_scope(client):
    location, query = start_sign_in(client, next_url="/meetings/?q=x")
    assert location.startswith("https://login.dingtalk.com/oauth2/auth?")
    assert query["client_id"] == CLIENT_ID
    assert set(query["scope"].split(" ")) == {"openid", "corpid"}
    assert query["prompt"] == "consent"
    assert query["response_type"] == "code"
    # The same URI whatever the person was going to: the next page travels in the state, kept server-side.
    assert query["redirect_uri"] == "http://testserver/accounts/dingtalk/login/callback/"
    assert len(query["state"]) >= 12


@responses.activate
def test_a_first_sign_in_asks_for_approval_and_gives_no_session(client, corp_organization):
    response = sign_in(client)
    assert response.status_code == 200
    assert texts.SIGN_IN_PENDING % {"nick": NICK} in response.content.decode()
    assert SESSION_KEY not in client.session
    person = Person.objects.get(union_id=UNION_ID)
    assert (person.nick, person.corp_id, person.status) == (NICK, corp_organization.corp_id, Person.Status.PENDING)
    assert not person.user.is_active and not person.user.has_usable_password()
    assert list(AccessEvent.objects.values_list("kind", flat=True)) == [AccessEvent.Kind.ASKED]
    # What DingTalk received: the app's credentials and the code, once.
    token_call = responses.calls[0].request
    assert json.loads(token_call.body) == {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "code": "code-1",
        "grantType": "authorization_code",
    }


@responses.activate
def test_an_approved_person_signs_in_with_a_new_session_and_the_token_is_not_kept(client, corp_organization):
    person = approved_person(corp_organization)
    client.get(reverse("login"))  # an anonymous session with its CSRF token, as a browser has
    _, query = start_sign_in(client, next_url="/meetings/?q=sync")
    key_before = client.session.session_key
    dingtalk_answers()
    response = come_back(client, query["state"])
    assert response.status_code == 302
    assert response["Location"] == "/meetings/?q=sync"
    assert client.session[SESSION_KEY] == str(person.user_id)
    assert client.session.session_key != key_before
    person.user.refresh_from_db()
    assert person.user.last_login is not None
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.SIGNED_IN, person=person).exists()
    assert not SocialToken.objects.exists() and not SocialAccount.objects.exists()
    assert not any(USER_TOKEN in str(session.get_decoded()) for session in Session.objects.all())
    assert client.get(reverse("meetings:list")).status_code == 200


@responses.activate
def test_a_tampered_state_is_refused_before_dingtalk_is_asked(client, corp_organization):
    approved_person(corp_organization)
    _, query = start_sign_in(client)
    dingtalk_answers()
    response = come_back(client, query["state"] + "x")
    assert response.status_code == 400
    assert str(texts.SIGN_IN_FAILED) in response.content.decode()
    assert SESSION_KEY not in client.session
    assert len(responses.calls) == 0
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.FAILED).exists()


@responses.activate
def test_a_replayed_callback_is_refused(client, corp_organization):
    approved_person(corp_organization)
    _, query = start_sign_in(client)
    dingtalk_answers()
    assert come_back(client, query["state"]).status_code == 302
    client.logout()
    response = come_back(client, query["state"])
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert len(responses.calls) == 2  # the first round's token and profile only


@responses.activate
def test_a_code_dingtalk_refuses_gives_no_session(client, corp_organization):
    approved_person(corp_organization)
    _, query = start_sign_in(client)
    responses.post(
        "https://api.dingtalk.com/v1.0/oauth2/userAccessToken",
        status=400,
        json={"code": "invalidAuthCode", "message": "authCode is used", "requestid": "r1"},
    )
    response = come_back(client, query["state"], code="used-code")
    assert response.status_code == 400
    assert str(texts.SIGN_IN_FAILED) in response.content.decode()
    assert SESSION_KEY not in client.session


@responses.activate
def test_a_person_of_an_unknown_corp_is_refused_and_not_recorded_as_a_person(client, corp_organization):
    response = sign_in(client, corp_id=OTHER_CORP_ID)
    assert response.status_code == 403
    assert str(texts.SIGN_IN_UNKNOWN_CORP) in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not Person.objects.exists()
    event = AccessEvent.objects.get()
    assert (event.kind, event.corp_id, event.union_id) == (AccessEvent.Kind.UNKNOWN_CORP, OTHER_CORP_ID, UNION_ID)


@responses.activate
def test_a_refused_person_stays_out(client, corp_organization, approver):
    person, _ = services._person_for(union_id=UNION_ID, nick=NICK, corp_id=corp_organization.corp_id)
    services.person_refuse(person=person, by=approver)
    response = sign_in(client)
    assert response.status_code == 403
    assert str(texts.SIGN_IN_REFUSED) in response.content.decode()
    assert SESSION_KEY not in client.session


@responses.activate
def test_a_removed_person_is_out_on_their_next_request_and_cannot_sign_in_again(client, corp_organization, approver):
    person = approved_person(corp_organization)
    assert sign_in(client).status_code == 302
    assert client.get(reverse("meetings:list")).status_code == 200
    services.person_remove(person=person, by=approver)
    response = client.get(reverse("meetings:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = sign_in(client, code="code-2")
    assert response.status_code == 403
    assert str(texts.SIGN_IN_REMOVED) in response.content.decode()
    assert SESSION_KEY not in client.session
    person.user.refresh_from_db()
    assert not person.user.groups.exists() and not person.user.dingtalk_organizations.exists()


@responses.activate
def test_a_second_sign_in_while_pending_still_waits_and_follows_the_dingtalk_name(client, corp_organization):
    sign_in(client)
    response = sign_in(client, code="code-2", nick="Mei Wang")
    assert texts.SIGN_IN_PENDING % {"nick": "Mei Wang"} in response.content.decode()
    assert Person.objects.get().nick == "Mei Wang"
    assert SESSION_KEY not in client.session


def test_the_roles_name_existing_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(services.ROLE_GROUPS.values())


def test_the_login_page_lets_its_dingtalk_form_go_to_dingtalk_and_nowhere_else(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert form_action.split() == ["form-action", "'self'", "https://login.dingtalk.com"]


def test_opening_the_sign_in_url_asks_to_continue_rather_than_leaving_at_once(client):
    """A link (GET) cannot start a sign-in by itself: the page posts, with the CSRF token."""
    response = client.get(reverse("dingtalk_login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert "https://login.dingtalk.com" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("token_reply", "profile_reply"),
    [
        ({"json": {"accessToken": USER_TOKEN, "expireIn": 7200}}, None),  # no refreshToken
        ({"json": 42}, None),
        ({"body": "<html>blocked</html>", "status": 200}, None),
        (None, {"json": {"nick": NICK, "unionId": UNION_ID}}),  # no openId
        (None, {"json": ["not", "an", "object"]}),
        (None, {"body": "<html>blocked</html>"}),
        (None, {"json": {"nick": NICK, "openId": "o"}}),  # no unionId
    ],
)
@responses.activate
def test_a_reply_dingtalk_does_not_document_is_a_failed_sign_in_not_a_500(
    client, corp_organization, token_reply, profile_reply
):
    approved_person(corp_organization)
    _, query = start_sign_in(client)
    api = "https://api.dingtalk.com"
    good_token = {"json": {"accessToken": USER_TOKEN, "refreshToken": "r", "expireIn": 7200, "corpId": CORP_ID}}
    responses.post(api + "/v1.0/oauth2/userAccessToken", **(token_reply or good_token))
    good_profile = {"json": {"nick": NICK, "unionId": UNION_ID, "openId": "o"}}
    responses.get(api + "/v1.0/contact/users/me", **(profile_reply or good_profile))
    response = come_back(client, query["state"])
    assert response.status_code == 400
    assert str(texts.SIGN_IN_FAILED) in response.content.decode()
    assert SESSION_KEY not in client.session
