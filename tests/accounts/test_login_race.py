"""Parallel guesses against a real server: no more passwords are checked than the limit allows."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.forms import AuthenticationForm

GUESSES = 12


def guess(login_url, number):
    with requests.Session() as session:
        page = session.get(login_url, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        response = session.post(
            login_url,
            data={"username": "admin", "password": f"guess {number}", "csrfmiddlewaretoken": token},
            headers={"Referer": login_url},
            timeout=60,
        )
    return response


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_exceed_the_limit(live_server, django_user_model, settings):
    # A real hasher, so a password check takes as long as in production and the guesses overlap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    django_user_model.objects.create_superuser("admin", password="correct horse battery")
    login_url = live_server.url + "/accounts/login/"
    wrong_password = str(AuthenticationForm.error_messages["invalid_login"] % {"username": "username"})

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        responses = list(pool.map(lambda number: guess(login_url, number), range(GUESSES)))

    checked = [response for response in responses if wrong_password in response.text]
    assert len(checked) == settings.AXES_FAILURE_LIMIT
    assert sorted(response.status_code for response in responses).count(429) == GUESSES - 4
