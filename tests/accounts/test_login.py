"""/accounts/login/ and /admin/login/: throttled per username and address after repeated failures."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings import texts

PASSWORD = "correct horse battery"
ADDRESS = "10.0.0.1"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password=PASSWORD)


def log_in(client, password, username="alice", address=ADDRESS, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, **kwargs):
    for _ in range(times):
        response = log_in(client, "wrong password", **kwargs)
    return response


def errors(response):
    return [str(error) for error in response.context["form"].non_field_errors()]


def throttled_message(minutes):
    return texts.LOGIN_THROTTLED % {"minutes": minutes}


def test_it_logs_in_with_the_right_password(client, alice):
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_four_failures_are_only_wrong_passwords(client, alice):
    response = fail(client, 4)
    assert response.status_code == 200
    assert throttled_message(15) not in errors(response)


def test_the_fifth_failure_says_when_to_try_again(client, alice, settings):
    response = fail(client, settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert throttled_message(15) in errors(response)
    assert len(errors(response)) == 2  # the wrong password, and the wait


def test_a_blocked_pair_is_refused_even_with_the_right_password(client, alice):
    fail(client, 5)

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert errors(response) == [throttled_message(15)]
    assert throttled_message(15) in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_says_the_minutes_left(client, alice):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14, seconds=30))

    response = log_in(client, PASSWORD)

    assert errors(response) == [throttled_message(1)]
    assert int(response["Retry-After"]) <= 30


def test_the_block_ends_after_the_window(client, alice):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=15, seconds=1))

    assert log_in(client, PASSWORD).status_code == 302


def test_the_block_is_per_username_and_address(client, alice, django_user_model):
    django_user_model.objects.create_user("bob", password=PASSWORD)
    fail(client, 5)

    assert log_in(client, PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, username="bob").status_code == 302


def test_case_and_spaces_do_not_make_a_new_username(client, alice):
    for username in ["alice", "ALICE", " Alice", "alicE ", "aLiCe"]:
        log_in(client, "wrong password", username=username)

    assert log_in(client, PASSWORD).status_code == 429


def test_a_successful_login_forgives_earlier_failures(client, alice):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    assert fail(client, 4).status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


def test_failures_older_than_the_window_are_deleted(client, alice):
    fail(client, 2)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    fail(client, 1)

    assert [attempt.failures_since_start for attempt in AccessAttempt.objects.all()] == [1]


def test_the_admin_login_is_throttled_too(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    url = reverse("admin:login")
    fail(client, 5, username="root", url=url)

    response = log_in(client, PASSWORD, username="root", url=url)

    assert throttled_message(15) in [str(e) for e in response.context["form"].non_field_errors()]
    assert SESSION_KEY not in client.session


def test_the_admin_login_answers_429_with_retry_after(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    url = reverse("admin:login")

    response = fail(client, 5, username="root", url=url)

    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


# --- the client's address, behind proxies -----------------------------------------------------------

PROXY = "192.0.2.10"


def log_in_through_proxy(client, password, forwarded_for, username="admin"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", password=PASSWORD)


def test_behind_a_trusted_proxy_a_guesser_does_not_lock_out_the_admin_elsewhere(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        # What the client wrote itself (left) is not trusted; the proxy appended the address it saw.
        guessed = log_in_through_proxy(client, "wrong password", forwarded_for="10.9.9.9, 203.0.113.7")
    assert guessed.status_code == 429

    response = log_in_through_proxy(client, PASSWORD, forwarded_for="198.51.100.20")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(admin.pk)


def test_behind_a_trusted_proxy_the_client_cannot_choose_its_address(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        log_in_through_proxy(client, "wrong password", forwarded_for=f"10.0.0.{number}, 203.0.113.7")

    assert log_in_through_proxy(client, PASSWORD, forwarded_for="10.0.0.99, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        log_in_through_proxy(client, "wrong password", forwarded_for=f"203.0.113.{number}")

    assert log_in_through_proxy(client, PASSWORD, forwarded_for="198.51.100.20").status_code == 429


def test_a_forwarded_address_that_is_not_one_counts_as_the_proxys(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    fail_through = [log_in_through_proxy(client, "wrong password", forwarded_for="not-an-address") for _ in range(5)]

    assert fail_through[-1].status_code == 429
    assert AccessAttempt.objects.get().ip_address == PROXY


# --- lifting a lockout ------------------------------------------------------------------------------


def test_axes_reset_lifts_a_lockout(client, alice):
    fail(client, 5)
    assert log_in(client, PASSWORD).status_code == 429

    call_command("axes_reset", stdout=io.StringIO())

    assert log_in(client, PASSWORD).status_code == 302


def test_the_admin_lists_lockouts(client, alice, django_user_model):
    fail(client, 5)
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert ADDRESS in response.content.decode()


def test_a_connection_without_an_address_is_throttled_too(client, alice):
    fail(client, 5, address="")

    assert log_in(client, PASSWORD, address="").status_code == 429


def test_logging_out_lands_on_the_login_page_which_says_so(client, alice):
    client.force_login(alice)

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert SESSION_KEY not in client.session
    assert [str(message) for message in response.context["messages"]] == [texts.LOGGED_OUT]
    assert f'role="status">{texts.LOGGED_OUT}</div>' in response.content.decode()


def test_the_admins_log_out_button_lands_there_too(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))

    response = client.post(reverse("admin:logout"), follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert [str(message) for message in response.context["messages"]] == [texts.LOGGED_OUT]
