"""Migrations 0014 and 0015: API bases rewritten canonical, meetings given their host, and rows the old
check-then-insert let in twice removed from the portal before the constraint is added."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("meetings", "0013_change_checked_at"), ("meetings", "0015_one_live_registration_per_host")


@pytest.fixture
def migrator():
    """A MigrationExecutor; the database is migrated back to the latest migrations afterwards."""
    yield MigrationExecutor(connection)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_canonicalises_hosts_and_keeps_the_first_of_two_live_registrations(migrator):
    executor = migrator
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    Organization, Meeting = old.get_model("meetings", "Organization"), old.get_model("meetings", "Meeting")
    hangzhou = Organization.objects.create(name="Hangzhou", api_base="https://api.dingtalk.com")
    beijing = Organization.objects.create(name="Beijing", api_base="https://API.dingtalk.com:443/")
    when = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    first = Meeting.objects.create(
        organization=hangzhou, schedule_conference_id="c", creator_union_id="u", title="t", starts_at=when, ends_at=when
    )
    twice = Meeting.objects.create(
        organization=beijing, schedule_conference_id="c", creator_union_id="u", title="t", starts_at=when, ends_at=when
    )

    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps
    Organization, Meeting = new.get_model("meetings", "Organization"), new.get_model("meetings", "Meeting")

    assert Organization.objects.get(pk=beijing.pk).api_base == "https://api.dingtalk.com"
    assert set(Meeting.objects.values_list("api_base", flat=True)) == {"https://api.dingtalk.com"}
    assert Meeting.objects.get(pk=first.pk).removed_at is None
    assert Meeting.objects.get(pk=twice.pk).removed_at is not None
