"""Parallel guesses against a real server: no more passwords are checked than the limit allows."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import PBKDF2PasswordHasher

GUESSES = 12


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """A real hasher, so each password check takes a while and parallel guesses overlap; fewer rounds
    than production's, so the test stays quick (the guesses still wait for one another)."""

    iterations = 50_000


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
    settings.PASSWORD_HASHERS = [f"{__name__}.QuickPBKDF2PasswordHasher"]
    django_user_model.objects.create_superuser("admin", password="correct horse battery")
    login_url = live_server.url + "/accounts/login/"
    wrong_password = str(AuthenticationForm.error_messages["invalid_login"] % {"username": "username"})

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        responses = list(pool.map(lambda number: guess(login_url, number), range(GUESSES)))

    checked = [response for response in responses if wrong_password in response.text]
    assert len(checked) == settings.AXES_FAILURE_LIMIT
    assert sorted(response.status_code for response in responses).count(429) == GUESSES - 4
