from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.forms import AdminLoginForm
from accounts.views import LoginView, LogoutView

# The admin's own login is throttled like the portal's.
admin.site.login_form = AdminLoginForm
admin.site.site_header = admin.site.site_title = _("DingTalk meeting portal administration")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="meetings:list", permanent=False)),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("meetings/", include("meetings.urls")),
    # The admin's "Log out" too: both land on the login page, which says so.
    path("admin/logout/", LogoutView.as_view()),
    path("admin/", admin.site.urls),
    # set_language: the switcher in base.html posts here (the browser's language is the default).
    path("i18n/", include("django.conf.urls.i18n")),
]
