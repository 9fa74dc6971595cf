import math

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from meetings import texts

from . import throttle


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


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "throttled": texts.LOGIN_THROTTLED}


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": texts.LOGIN_THROTTLED}
