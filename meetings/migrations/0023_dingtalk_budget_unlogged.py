"""On PostgreSQL, DingTalk's budget (meetings_dingtalkbudget) becomes an UNLOGGED table.

Every DingTalk call takes its turn with one autocommitted UPDATE of this table (meetings/dingtalk/pacing.py):
two per save. With synchronous_commit on, PostgreSQL makes each of those commits wait for the WAL to reach
the disk -- as long as the save's own two commits, for a row that only says when the next call may start.
A transaction that wrote only unlogged tables logs nothing but its commit record, and PostgreSQL answers its
COMMIT without waiting for that record to be flushed (xact.c, RecordTransactionCommit: no WAL written, so
the commit may be asynchronous). Measured on this project's server (PostgreSQL 15, synchronous_commit on,
2000 autocommitted one-row UPDATEs each, other work running): a logged table 2.3 ms a commit (median) and
2376 WAL syncs meanwhile, an unlogged one 0.07 ms and 6. The save's own two commits (the lease with the
IN_PROGRESS row, the new values with the outcome) write logged tables and still wait for theirs.

Why losing the table is safe: it holds pacing state only, never a record. After a crash of the database
server (not a clean restart) or on a promoted standby, PostgreSQL empties it; the next call finds no row and
recreates it (pacing._create_rows, ignore_conflicts), and turns start again from "free now". What is lost is
the memory of turns handed out before the crash: calls still waiting for a turn reserved then (seconds
ahead at most) and calls on the new turns may together exceed the budget for those seconds; DingTalk answers
the excess with its throttling codes, which the transport retries and background work waits out
(pacing.paced_call). A database crash also breaks every connection, so work under way fails meanwhile anyway.

SQLite has no unlogged tables and needs none: in WAL mode with synchronous=NORMAL (settings.py) no commit
waits for a sync.
"""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("meetings", "DingTalkBudget")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("meetings", "DingTalkBudget")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0022_job_workers"),
    ]

    operations = [migrations.RunPython(unlogged, logged)]
