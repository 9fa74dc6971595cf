"""What an authenticated response tells caches and what the language cookie carries (issue 15, point 7)."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import admin_portal.urls


@pytest.fixture
def office_admin_client(client, office_admin):
    office_admin.groups.add(Group.objects.get(name="Office admins"))
    client.force_login(office_admin)
    return client


def test_no_authenticated_page_is_stored_by_a_cache(office_admin_client, meeting, django_user_model):
    for url in (
        reverse("meetings:list"),
        reverse("meetings:edit", args=[meeting.pk]),
        reverse("meetings:activity"),
        reverse("meetings:activity_csv"),
    ):
        response = office_admin_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url

    office_admin_client.force_login(django_user_model.objects.create_superuser("root", password="root-password-1"))
    assert "no-store" in office_admin_client.get(reverse("admin:index"))["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/portal.css")
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_language_cookie_is_secure_and_same_site_in_production(settings):
    # settings_test turns Secure off for the http test client, as it does for the session cookie.
    from tests.admin_portal.production import python

    result = python(
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "Lax", "True"]


def test_the_language_switcher_sets_those_flags(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] and cookie["samesite"] == "Lax" and cookie["httponly"]


def urls_with(**overrides):
    with override_settings(**overrides):
        importlib.reload(admin_portal.urls)
        clear_url_caches()
    return admin_portal.urls


@pytest.fixture
def reload_urls():
    yield
    importlib.reload(admin_portal.urls)
    clear_url_caches()


def test_password_reset_is_off_without_mail(client, reload_urls, settings):
    settings.EMAIL_HOST = ""
    settings.ROOT_URLCONF = urls_with(EMAIL_HOST="").__name__
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.get("/accounts/reset/MQ/set-password/").status_code == 404
    assert client.get("/accounts/logout/").status_code == 405  # the other account URLs stay


def test_password_reset_is_on_with_mail(client, reload_urls, settings):
    settings.EMAIL_HOST = "smtp.example.com"
    urls_with(EMAIL_HOST="smtp.example.com")
    assert client.get("/accounts/password_reset/").status_code == 200
