from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from meetings.forms import AdminLoginForm
from meetings.views import LoginView

# The admin's own login is throttled like the portal's.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="meetings:list", permanent=False)),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("meetings/", include("meetings.urls")),
    path("admin/", admin.site.urls),
]
