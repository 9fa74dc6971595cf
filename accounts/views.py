from django.contrib import messages
from django.contrib.auth import views as auth_views

from meetings import texts

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """Django's login, throttled (accounts/throttle.py): a refused attempt says when to try again, and
    AxesMiddleware answers it with 429 and Retry-After."""

    authentication_form = LoginForm


class LogoutView(auth_views.LogoutView):
    """Django's logout, and the login page it leads to says so."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, texts.LOGGED_OUT)
        return response
