"""What one save costs the database: the number the design promises (issue 23), so that a new record on the
save path cannot slip in unnoticed.

A save from the edit form is one record -- the attempt's audit row, which carries the form's submission key
-- and two commits of records: the lease with the IN_PROGRESS row before the first byte goes to DingTalk,
the meeting's new values with the row's outcome after DingTalk's answer. Besides, each DingTalk call takes
its turn in DingTalk's budget, which every process shares: one autocommitted UPDATE of the budget's table
and nothing else (meetings/dingtalk/pacing.py). That table holds no record, only when the next call may
start: on PostgreSQL it is UNLOGGED (migration 0023), so its commits do not wait for the disk as the two
commits of records do; on SQLite (WAL, synchronous=NORMAL) no commit waits for a sync.
Counted on real transactions (transactional_db: BEGIN/COMMIT, not the savepoints of a test wrapped in one).
"""

import contextlib

import pytest
import responses
from django.db import connection

from meetings.models import DingTalkBudget, Meeting, MeetingChange
from tests.helpers import UPDATE_URL, budget_rows_exist, dingtalk_has, edit_url, opened_form

MEETING, CHANGE, BUDGET = Meeting._meta.db_table, MeetingChange._meta.db_table, DingTalkBudget._meta.db_table

# The save's commits in order, each as the writes it made (verb, table).
SAVE_COMMITS = [
    [("UPDATE", MEETING), ("INSERT", CHANGE)],  # the lease with the IN_PROGRESS row, before DingTalk
    [("UPDATE", BUDGET)],  # the read's turn in DingTalk's budget
    [("UPDATE", BUDGET)],  # the update's turn, once the read is answered
    [("UPDATE", MEETING), ("UPDATE", CHANGE)],  # the new values, the lease let go, with the outcome
]
# Every statement of the POST: the session, the person, the permissions, the meeting, and the writes above.
# The lease's end comes back from its UPDATE (RETURNING), not from a SELECT of the database's clock first.
SAVE_STATEMENTS = 10


@contextlib.contextmanager
def counted():
    """Every statement run, and every commit with the writes it committed: an atomic block's COMMIT, and a
    write outside one (autocommit commits it by itself)."""
    seen = {"statements": [], "commits": []}
    pending = []

    def each_statement(execute, sql, params, many, context):
        verb = sql.split()[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN IMMEDIATE opens an atomic block; PostgreSQL's is not a statement
            seen["statements"].append(sql)
            if verb in {"INSERT", "UPDATE", "DELETE"}:
                write = (verb, sql.split('"')[1] if '"' in sql else sql.split()[2])
                if connection.in_atomic_block:
                    pending.append(write)
                else:
                    seen["commits"].append([write])  # autocommit commits a write by itself
        return execute(sql, params, many, context)

    real_commit = connection.commit

    def commit():
        seen["commits"].append(pending[:])
        pending.clear()
        real_commit()

    connection.commit = commit
    try:
        with connection.execute_wrapper(each_statement):
            yield seen
    finally:
        del connection.commit  # the instance attribute goes; the class's method is back


@responses.activate
def test_a_save_is_one_record_two_commits_and_a_budget_turn_per_call(transactional_db, alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    budget_rows_exist(meeting.organization)
    form = {**opened_form(alice_client, meeting), "title": "Weekly sync v2"}

    with counted() as seen:
        response = alice_client.post(edit_url(meeting), form)

    assert response["Location"] == edit_url(meeting)  # saved
    assert Meeting.objects.get(pk=meeting.pk).title == "Weekly sync v2"
    assert seen["commits"] == SAVE_COMMITS, "\n".join(seen["statements"])
    assert len(seen["statements"]) == SAVE_STATEMENTS, "\n".join(seen["statements"])
    assert MeetingChange.objects.get().submission_key  # the one record is the form's submission too


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no unlogged tables and needs none")
def test_on_postgresql_a_budget_turn_does_not_wait_for_the_disk(db):
    # An UNLOGGED table's changes are not written to the WAL; a transaction that wrote nothing else commits
    # without waiting for a WAL flush (synchronous_commit stays on for the save's own two commits).
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = %s::regclass", [BUDGET])
        assert cursor.fetchone() == ("u",)
        cursor.execute("SELECT relpersistence FROM pg_class WHERE oid = %s::regclass", [CHANGE])
        assert cursor.fetchone() == ("p",)
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


@responses.activate
def test_the_same_form_posted_again_writes_nothing(transactional_db, alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = {**opened_form(alice_client, meeting), "title": "Weekly sync v2"}
    alice_client.post(edit_url(meeting), form)

    with counted() as seen:
        alice_client.post(edit_url(meeting), form)

    assert [sql for sql in seen["statements"] if sql.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}] == []
    assert seen["commits"] == []
    assert MeetingChange.objects.count() == 1
