"""Sign in with DingTalk through django-allauth's DingTalk provider.

allauth does the OAuth exchange: the redirect to DingTalk with a `state` it keeps in the session (one
use, ten minutes), the callback that reads DingTalk's `authCode`, `POST /v1.0/oauth2/userAccessToken` and
`GET /v1.0/contact/users/me`. Here, only what the portal adds:

- the login and API hosts come from settings (DINGTALK_LOGIN_URL, DINGTALK_LOGIN_API_BASE), so the sandbox
  can stand in, and the app from DINGTALK_LOGIN_CLIENT_ID and _SECRET (no SocialApp row);
- the `corpId` DingTalk answers the token request with (scope `corpid`) goes with the profile;
- approval, not sign-up: `SignInAdapter.pre_social_login` hands the person to `services.person_sign_in`
  and answers itself (a session for an approved person, the waiting or refusal page otherwise), so
  allauth's own sign-up and account pages are never reached. Nothing of the sign-in is stored by allauth:
  the person's DingTalk token is dropped once the profile is read.
"""

from __future__ import annotations

import logging
import urllib.parse

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.dingtalk.provider import DingTalkProvider
from allauth.socialaccount.providers.dingtalk.views import DingTalkOAuth2Adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from meetings import texts

from . import services
from .models import AccessEvent

logger = logging.getLogger(__name__)

TOKEN_PATH = "/v1.0/oauth2/userAccessToken"
PROFILE_PATH = "/v1.0/contact/users/me"
# `corpid`: DingTalk asks the person which of their organizations to sign in with and answers the token
# request with its corpId. `prompt=consent` is what DingTalk's login page requires.
SCOPE = ["openid", "corpid"]
AUTH_PARAMS = {"prompt": "consent"}
BACKEND = "accounts.backends.PermissionBackend"


def login_configured() -> bool:
    return bool(settings.DINGTALK_LOGIN_CLIENT_ID and settings.DINGTALK_LOGIN_CLIENT_SECRET)


def allow_sign_in_form(response):
    """A page with the "Sign in with DingTalk" form: its post is answered with a redirect to DingTalk's login
    page, which the browser follows only if the page's Content-Security-Policy lets forms go there."""
    if login_configured():
        target = urllib.parse.urlsplit(settings.DINGTALK_LOGIN_URL)
        response._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}
    return response


class PortalDingTalkAdapter(DingTalkOAuth2Adapter):
    """allauth's DingTalk adapter with the hosts from settings, keeping the chosen corpId."""

    def __init__(self, request):
        super().__init__(request)
        self.authorize_url = settings.DINGTALK_LOGIN_URL
        self.access_token_url = settings.DINGTALK_LOGIN_API_BASE + TOKEN_PATH
        self.profile_url = settings.DINGTALK_LOGIN_API_BASE + PROFILE_PATH

    def get_access_token_data(self, request, app, client, pkce_code_verifier=None):
        try:
            return super().get_access_token_data(request, app, client, pkce_code_verifier=pkce_code_verifier)
        except (KeyError, TypeError, AttributeError) as exc:
            # allauth reads the reply as DingTalk documents it; any other shape is a failed sign-in, not a 500.
            raise OAuth2Error(f"token reply without {exc}") from None

    def complete_login(self, request, app, token, **kwargs):
        try:
            sociallogin = super().complete_login(request, app, token, **kwargs)
        except (KeyError, TypeError, AttributeError) as exc:
            raise OAuth2Error(f"profile reply without {exc}") from None
        reply = kwargs.get("response") or {}
        sociallogin.account.extra_data["corpId"] = reply.get("corpId") if isinstance(reply, dict) else None
        return sociallogin


class PortalDingTalkProvider(DingTalkProvider):
    oauth2_adapter_class = PortalDingTalkAdapter


_login = OAuth2LoginView.adapter_view(PortalDingTalkAdapter)
_callback = OAuth2CallbackView.adapter_view(PortalDingTalkAdapter)


def oauth2_login(request, *args, **kwargs):
    """POST: off to DingTalk (allauth stashes the state). Not offered unless the app is configured."""
    if not login_configured():
        raise Http404(texts.SIGN_IN_UNAVAILABLE)
    return allow_sign_in_form(_login(request, *args, **kwargs))


def oauth2_callback(request, *args, **kwargs):
    """DingTalk sends the person back here with `authCode` and `state`: the one, fixed redirect URI."""
    if not login_configured():
        raise Http404(texts.SIGN_IN_UNAVAILABLE)
    return _callback(request, *args, **kwargs)


def refusal(request, message, *, status=403):
    """The refusal page; whoever this browser was signed in as is signed out (no session stays)."""
    logout(request)
    return render(request, "accounts/signin_refused.html", {"message": message}, status=status)


REFUSALS = {
    services.Outcome.UNKNOWN_CORP: texts.SIGN_IN_UNKNOWN_CORP,
    services.Outcome.REFUSED: texts.SIGN_IN_REFUSED,
    services.Outcome.REMOVED: texts.SIGN_IN_REMOVED,
}


class SignInAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        """The one DingTalk app, from settings."""
        if provider not in (None, PortalDingTalkProvider.id) or not login_configured():
            return []
        app = SocialApp(
            provider=PortalDingTalkProvider.id,
            name="DingTalk",
            client_id=settings.DINGTALK_LOGIN_CLIENT_ID,
            secret=settings.DINGTALK_LOGIN_CLIENT_SECRET,
            settings={"scope": SCOPE, "auth_params": AUTH_PARAMS},
        )
        return [app] if client_id in (None, app.client_id) else []

    def is_open_for_signup(self, request, sociallogin):
        return False  # never reached (pre_social_login answers); a safety net all the same

    def pre_social_login(self, request, sociallogin):
        profile = sociallogin.account.extra_data
        # The token has done its work: nothing keeps it past this point.
        sociallogin.token = None
        union_id, nick, corp_id = profile.get("unionId"), profile.get("nick"), profile.get("corpId")
        if not all(
            isinstance(value, str) and 0 < len(value) <= limit
            for value, limit in ((union_id, 128), (nick, 150), (corp_id, 64))
        ):
            services.access_event_record(kind=AccessEvent.Kind.FAILED, detail="profile without unionId, nick or corpId")
            raise ImmediateHttpResponse(refusal(request, texts.SIGN_IN_FAILED, status=400))
        outcome = services.person_sign_in(union_id=union_id, nick=nick, corp_id=corp_id)
        if outcome.outcome == services.Outcome.PENDING:
            logout(request)
            raise ImmediateHttpResponse(
                render(request, "accounts/signin_pending.html", {"message": texts.SIGN_IN_PENDING % {"nick": nick}})
            )
        if outcome.outcome != services.Outcome.SIGNED_IN:
            raise ImmediateHttpResponse(refusal(request, REFUSALS[outcome.outcome]))
        # Django's login rotates the session key (no fixation) and records the last sign-in.
        login(request, outcome.person.user, backend=BACKEND)
        raise ImmediateHttpResponse(HttpResponseRedirect(_next_url(request, sociallogin.state.get("next"))))

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A tampered or reused state, a refused or replayed code, DingTalk's error, a reply that does not
        read: one refusal page, no session, a line in the audit (never the exception's text on the page)."""
        detail = f"{error}: {type(exception).__name__ if exception else ''} {exception or ''}".strip()
        services.access_event_record(kind=AccessEvent.Kind.FAILED, detail=detail)
        raise ImmediateHttpResponse(refusal(request, texts.SIGN_IN_FAILED, status=400))


def _next_url(request, candidate) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)
