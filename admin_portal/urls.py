from django.conf import settings
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts import urls as accounts_urls
from accounts.forms import AdminLoginForm
from accounts.views import LoginView, LogoutView

# The admin's own login is throttled like the portal's.
admin.site.login_form = AdminLoginForm
admin.site.site_header = admin.site.site_title = _("DingTalk meeting portal administration")

# Django's account URLs without its login (ours, throttled, is above) and, unless mail is set up, without
# password reset: with no mail it would say a link was sent when none was.
account_urls = [
    pattern
    for pattern in auth_urls.urlpatterns
    if pattern.name != "login" and (settings.EMAIL_HOST or not pattern.name.startswith("password_reset"))
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="meetings:list", permanent=False)),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/", include(accounts_urls.dingtalk_urls)),
    path("accounts/", include(account_urls)),
    path("meetings/", include("meetings.urls")),
    path("people/", include(accounts_urls.people_urls)),
    # The admin's "Log out" too: both land on the login page, which says so.
    path("admin/logout/", LogoutView.as_view()),
    path("admin/", admin.site.urls),
    # set_language: the switcher in base.html posts here (the browser's language is the default).
    path("i18n/", include("django.conf.urls.i18n")),
]
