import math

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from meetings import texts
from meetings.models import Organization

from . import selectors, throttle


class ThrottledLoginMixin:
    """A username and address that failed too often lately is refused before the password is checked, with
    a message saying when to try again; the failure that reaches the limit says so too.

    `retry_after` is then the number of seconds to wait (AxesMiddleware answers 429 with it).
    """

    retry_after: int | None = None

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if self.request is None or not (username and password):
            return super().clean()
        failed_login = None
        with throttle.attempts_in_turn(self.request, username):
            locked_before = not AxesProxyHandler.is_allowed(self.request, {"username": username})
            if not locked_before:
                try:
                    cleaned = super().clean()
                except forms.ValidationError as error:
                    if error.code != "invalid_login":
                        raise
                    failed_login = error
        if locked_before or self.request.axes_locked_out:
            self._refuse(failed_login)
        if failed_login:
            raise failed_login
        return cleaned

    def _refuse(self, failed_login):
        self.retry_after = self.request.login_retry_after = throttle.seconds_locked(
            self.request, self.cleaned_data["username"]
        )
        self.request.axes_locked_out = True
        throttled = forms.ValidationError(
            self.error_messages["throttled"], code="throttled", params={"minutes": math.ceil(self.retry_after / 60)}
        )
        raise forms.ValidationError([failed_login, throttled] if failed_login else [throttled])


class PasswordLoginPolicyMixin:
    """DJANGO_PASSWORD_LOGIN off: the right password still lets only a superuser in (break glass); everyone
    else is told to sign in with DingTalk. Checked after the password, so a guess learns nothing new."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not settings.PASSWORD_LOGIN and not user.is_superuser:
            raise forms.ValidationError(self.error_messages["password_login_off"], code="password_login_off")


class LoginForm(ThrottledLoginMixin, PasswordLoginPolicyMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": texts.LOGIN_THROTTLED,
        "password_login_off": texts.PASSWORD_LOGIN_OFF,
    }


class AdminLoginForm(ThrottledLoginMixin, PasswordLoginPolicyMixin, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": texts.LOGIN_THROTTLED,
        "password_login_off": texts.PASSWORD_LOGIN_OFF,
    }


class PersonDecisionForm(forms.Form):
    """An office admin's decision about a pending person: the role and the organizations, among the
    approver's own that have the person's corp ID."""

    ROLES = [("office_admin", _("Office admin")), ("helpdesk", _("Helpdesk"))]

    role = forms.ChoiceField(label=_("Role"), choices=ROLES, initial="helpdesk")
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    error_messages = {"no_organization": texts.PERSON_NO_ORGANIZATION}

    def __init__(self, *args, approver, person, **kwargs):
        super().__init__(*args, prefix=f"person-{person.pk}", **kwargs)
        choices = selectors.organizations_of(approver).filter(corp_id=person.corp_id)
        self.fields["organizations"].queryset = choices
        self.fields["organizations"].error_messages["invalid_choice"] = texts.PERSON_NOT_YOURS
        if len(choices) == 1:
            self.fields["organizations"].initial = [choices[0].pk]

    def clean_organizations(self):
        organizations = self.cleaned_data["organizations"]
        if not organizations:
            raise forms.ValidationError(self.error_messages["no_organization"], code="no_organization")
        return organizations
