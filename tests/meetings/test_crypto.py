"""Secrets at rest: encrypted under the first key, readable under any, rotated, and a wrong key said clearly."""

import pytest
import responses
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from meetings import checks, crypto
from meetings.models import Organization
from tests.helpers import ACCESS_TOKEN, APP_SECRET, post_edit

SECRET_COLUMNS = ("access_token", "app_secret", "suite_ticket")
NEW_KEY = Fernet.generate_key().decode()


def raw(organization, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM meetings_organization WHERE id = %s", [organization.pk])
        return cursor.fetchone()[0]


def test_it_round_trips_and_stores_no_plaintext(db):
    organization = Organization.objects.create(
        name="Partner corp",
        time_zone="UTC",
        auth_mode=Organization.AuthMode.THIRD_PARTY_APP,
        app_key="suite-key",
        app_secret="suite-Secret-123",
        auth_corp_id="corp",
        suite_ticket="ticket-abcdef1",
    )
    stored = Organization.objects.get(pk=organization.pk)
    assert (stored.app_secret, stored.suite_ticket) == ("suite-Secret-123", "ticket-abcdef1")
    assert raw(organization, "app_secret").startswith("gAAAA")
    assert "suite-Secret-123" not in raw(organization, "app_secret")
    assert "ticket-abcdef1" not in raw(organization, "suite_ticket")
    assert raw(organization, "access_token") == ""  # "not set" stays visible without decrypting


def test_the_same_secret_encrypts_differently_each_time():
    assert crypto.encrypt("same-secret-1") != crypto.encrypt("same-secret-1")


def test_a_wrong_key_is_a_clear_error_at_first_use(organization, settings):
    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY]
    stored = Organization.objects.get(pk=organization.pk)  # loading decrypts nothing (issue 15)
    with pytest.raises(crypto.SecretDecryptionError, match="rotate_encryption_keys"):
        stored.access_token  # noqa: B018 -- the read is the point


@responses.activate
def test_a_wrong_key_never_sends_ciphertext_to_dingtalk(alice_client, meeting, settings):
    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY]
    response = post_edit(alice_client, meeting, version=1)
    assert response.status_code == 200  # a message (tests/meetings/test_undecryptable_secrets.py), not a 500
    assert len(responses.calls) == 0


@pytest.mark.parametrize("keys", [["not-a-fernet-key"], [NEW_KEY, "short"], []])
def test_malformed_keys_fail_the_system_check(settings, keys):
    settings.DINGTALK_ENCRYPTION_KEYS = keys
    assert [error.id for error in checks.check_encryption_keys()] == ["meetings.E001"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("anything")


def test_valid_keys_pass_the_system_check():
    assert checks.check_encryption_keys() == []


def test_the_database_check_finds_secrets_no_key_decrypts(organization, settings):
    assert checks.check_stored_secrets_decrypt(databases=["default"]) == []
    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY]
    errors = checks.check_stored_secrets_decrypt(databases=["default"])
    assert [error.id for error in errors] == ["meetings.E002"]
    assert "meetings.Organization.access_token" in errors[0].msg
    assert ACCESS_TOKEN not in errors[0].msg


def test_rotation_end_to_end(organization, app_organization, settings, capsys):
    old_key = settings.DINGTALK_ENCRYPTION_KEYS[0]
    before = {column: raw(organization, column) for column in SECRET_COLUMNS}

    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY, old_key]  # 1. the new key first, the old one still read
    assert Organization.objects.get(pk=organization.pk).access_token == ACCESS_TOKEN
    call_command("rotate_encryption_keys")  # 2. re-encrypt
    assert "Re-encrypted 2 value(s) under the first key; 0 already were." in capsys.readouterr().out
    assert raw(organization, "access_token") != before["access_token"]
    call_command("rotate_encryption_keys")  # idempotent
    assert "Re-encrypted 0 value(s) under the first key; 2 already were." in capsys.readouterr().out

    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY]  # 3. the old key retired
    assert Organization.objects.get(pk=organization.pk).access_token == ACCESS_TOKEN
    assert Organization.objects.get(pk=app_organization.pk).app_secret == APP_SECRET
    assert raw(organization, "app_secret") == ""


def test_rotation_names_values_no_key_decrypts(organization, settings):
    settings.DINGTALK_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError, match="meetings.Organization.access_token of row"):
        call_command("rotate_encryption_keys")
