"""What one save costs the database: the number the design promises (issue 23), so that a new record on the
save path cannot slip in unnoticed.

A save from the edit form is one record -- the attempt's audit row, which carries the form's submission key
-- and two commits: the lease with the IN_PROGRESS row before the first byte goes to DingTalk, the
meeting's new values with the row's outcome after DingTalk's answer. Besides, each DingTalk call takes its
turn in DingTalk's budget, which every process shares: one autocommitted UPDATE (meetings/dingtalk/pacing.py).
Counted on real transactions (transactional_db: BEGIN/COMMIT, not the savepoints of a test wrapped in one).
"""

import contextlib

import responses
from django.db import connection

from meetings.models import Meeting, MeetingChange
from tests.helpers import UPDATE_URL, budget_rows_exist, dingtalk_has, edit_url, opened_form

# The two transactions of a save, statement by statement (table, verb).
SAVE_WRITES = [
    ("UPDATE", "meetings_meeting"),  # the lease ...
    ("INSERT", "meetings_meetingchange"),  # ... with the IN_PROGRESS row: commit 1, before DingTalk
    ("UPDATE", "meetings_dingtalkbudget"),  # the read's turn in DingTalk's budget
    ("UPDATE", "meetings_dingtalkbudget"),  # the update's turn
    ("UPDATE", "meetings_meeting"),  # the new values, the lease let go ...
    ("UPDATE", "meetings_meetingchange"),  # ... with the outcome: commit 2, after DingTalk's answer
]
# Every statement of the POST: the session, the person, the permissions, the meeting, the database's clock
# for the lease (meetings/clock.py), and the writes above.
SAVE_STATEMENTS = 11
# The save's two, and one per DingTalk call for its turn.
SAVE_COMMITS = 4


@contextlib.contextmanager
def counted():
    """Every statement run, and every commit: an atomic block's COMMIT, and a write outside one
    (autocommit commits it by itself)."""
    seen = {"statements": [], "commits": 0}

    def each_statement(execute, sql, params, many, context):
        verb = sql.split()[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN IMMEDIATE opens an atomic block; PostgreSQL's is not a statement
            seen["statements"].append(sql)
            if not connection.in_atomic_block and verb != "SELECT":
                seen["commits"] += 1  # autocommit commits a write by itself
        return execute(sql, params, many, context)

    real_commit = connection.commit

    def commit():
        seen["commits"] += 1
        real_commit()

    connection.commit = commit
    try:
        with connection.execute_wrapper(each_statement):
            yield seen
    finally:
        del connection.commit  # the instance attribute goes; the class's method is back


def writes(statements) -> list[tuple[str, str]]:
    found = []
    for sql in statements:
        verb = sql.split()[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            table = sql.split('"')[1] if '"' in sql else sql.split()[2]
            found.append((verb, table))
    return found


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
    assert writes(seen["statements"]) == SAVE_WRITES
    assert seen["commits"] == SAVE_COMMITS, "\n".join(seen["statements"])
    assert len(seen["statements"]) == SAVE_STATEMENTS, "\n".join(seen["statements"])
    assert MeetingChange.objects.get().submission_key  # the one record is the form's submission too


@responses.activate
def test_the_same_form_posted_again_writes_nothing(transactional_db, alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = {**opened_form(alice_client, meeting), "title": "Weekly sync v2"}
    alice_client.post(edit_url(meeting), form)

    with counted() as seen:
        alice_client.post(edit_url(meeting), form)

    assert writes(seen["statements"]) == []
    assert seen["commits"] == 0
    assert MeetingChange.objects.count() == 1
