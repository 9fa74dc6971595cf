"""Logging in and out."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

LOGGED_OUT = _("You are logged out.")
LOGIN_THROTTLED = ngettext_lazy(
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minute.",
    "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minutes.",
    "minutes",
)
