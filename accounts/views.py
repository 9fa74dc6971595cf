from django.contrib.auth import views as auth_views

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """Django's login, throttled (accounts/throttle.py): a refused attempt says when to try again, and
    AxesMiddleware answers it with 429 and Retry-After."""

    authentication_form = LoginForm
