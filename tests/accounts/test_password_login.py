"""DJANGO_PASSWORD_LOGIN off: passwords are for break-glass superusers only; django-axes still guards them."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from meetings import texts

PASSWORD = "correct horse battery"


@pytest.fixture
def passwords_off(settings):
    settings.PASSWORD_LOGIN = False


def log_in(client, username, password=PASSWORD, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("url", [None, "/admin/login/"])
def test_a_person_with_the_right_password_is_refused_and_sent_to_dingtalk(
    client, passwords_off, django_user_model, url
):
    django_user_model.objects.create_user("hana", password=PASSWORD, is_staff=True)
    response = log_in(client, "hana", url=url)
    assert response.status_code == 200
    assert str(texts.PASSWORD_LOGIN_OFF) in [str(e) for e in response.context["form"].non_field_errors()]
    assert SESSION_KEY not in client.session


def test_a_superuser_still_logs_in_with_a_password(client, passwords_off, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password=PASSWORD)
    assert log_in(client, "root").status_code == 302
    assert client.session[SESSION_KEY] == str(admin.pk)


def test_passwords_are_still_throttled(client, passwords_off, django_user_model, settings):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "root", password="wrong")
    assert response.status_code == 429
    assert log_in(client, "root").status_code == 429  # even the right password, during the lockout


def test_passwords_are_on_by_default(settings):
    assert settings.PASSWORD_LOGIN is True
