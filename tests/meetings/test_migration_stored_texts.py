"""Migration 0026: reasons and messages stored as text before codes were kept read in the reader's language."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from meetings import texts
from meetings.models import MeetingChange, MeetingImportLine

BEFORE = [("meetings", "0025_message_sentences")]
AFTER = [("meetings", "0026_stored_texts_as_sentences")]
AT = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


def test_known_sentences_in_english_or_chinese_become_codes_and_others_stay_as_written(old_schema):
    apps = old_schema
    Organization = apps.get_model("meetings", "Organization")
    Meeting = apps.get_model("meetings", "Meeting")
    organization = Organization.objects.create(name="Org", time_zone="Asia/Shanghai")
    meeting = Meeting.objects.create(
        organization=organization, schedule_conference_id="c-1", creator_union_id="u-1", title="T",
        starts_at=AT, ends_at=AT + datetime.timedelta(hours=1),
    )  # fmt: skip
    with translation.override("zh-hans"):
        chinese_reason = str(texts.MEETING_NUMBER_UNKNOWN % {"number": "444 555 666"})
    english_failure = f"{texts.SYSTEM_ERROR % {'detail': 'busy'}} {texts.REQUEST_ID_SUFFIX % {'request_id': 'rq-1'}}"
    meeting_import = apps.get_model("meetings", "MeetingImport").objects.create(organization=organization)
    lines = apps.get_model("meetings", "MeetingImportLine").objects
    lines.create(meeting_import=meeting_import, number=1, text="444555666", checked=True, problem=chinese_reason)
    lines.create(meeting_import=meeting_import, number=2, text="x", checked=True, problem="Ein alter Satz.")
    apps.get_model("meetings", "MeetingChange").objects.create(
        meeting=meeting, organization=organization, action="update", outcome="failed", message=english_failure
    )

    MigrationExecutor(connection).migrate(AFTER)

    known, other = MeetingImportLine.objects.order_by("number")
    failure = MeetingChange.objects.get()
    assert (known.problem, other.problem_sentence) == (chinese_reason, None)  # the texts stay
    with translation.override("en"):
        assert known.problem_shown == texts.MEETING_NUMBER_UNKNOWN % {"number": "444 555 666"}
        assert other.problem_shown == "Ein alter Satz."
    with translation.override("zh-hans"):
        assert failure.message_shown == (
            f"{texts.SYSTEM_ERROR % {'detail': 'busy'}} {texts.REQUEST_ID_SUFFIX % {'request_id': 'rq-1'}}"
        )
        assert known.problem_shown == chinese_reason
