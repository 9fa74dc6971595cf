"""/meetings/import/: preview, confirm, per-line results; the jobs run by the immediate backend here
(tests/e2e/test_meeting_import.py runs them in a real worker)."""

import datetime
import json
import re
from html import unescape

import pytest
import responses
from django.urls import reverse
from django.utils import timezone, translation

from meetings import dingtalk, services, texts
from meetings.models import Meeting, MeetingImport, MeetingImportLine
from tests.helpers import API_BASE, dingtalk_error

IMPORT_URL = reverse("meetings:import")
START_MS = 1764554400000
HOUR_MS = 3_600_000


@pytest.fixture(autouse=True)
def immediate_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` -- the jobs the requests inside queued run when the block ends (their commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def lookup_url(number):
    return API_BASE + dingtalk.ROOM_CODE_PATH.format(room_code=number)


def query_url(conference_id):
    return API_BASE + dingtalk.QUERY_PATH.format(id=conference_id)


def dingtalk_lists(number, *conference_ids, creator="union-{}"):
    responses.get(
        lookup_url(number),
        json={
            "conferenceList": [
                {
                    "scheduleConferenceId": cid,
                    "conferenceId": "i-" + cid,
                    "title": "Meeting " + cid,
                    "startTime": START_MS,
                    "endTime": START_MS + HOUR_MS,
                    "creatorId": creator.format(cid),
                    "creatorNick": "Nick " + cid,
                    "roomCode": number,
                }
                for cid in conference_ids
            ],
            "hasMore": False,
        },
    )


def dingtalk_answers(conference_id, creator):
    responses.get(
        query_url(conference_id),
        match=[responses.matchers.query_param_matcher({"requestUnionId": creator})],
        json={
            "scheduleConferenceId": conference_id,
            "title": "Meeting " + conference_id,
            "startTime": START_MS,
            "endTime": START_MS + HOUR_MS,
        },
    )


def detail_url(meeting_import):
    return reverse("meetings:import_detail", args=[meeting_import.pk])


LINES = """# helpdesk tickets of Monday
838 722 1234

111222333
conf-ids union-ids
conf-comma,union-comma
nonsense words here
444555666
"""


def start(client, organization, lines=LINES):
    return client.post(IMPORT_URL, {"organization": organization.pk, "lines": lines})


def confirm(client, meeting_import):
    return client.post(detail_url(meeting_import), {"confirm": "1"}, follow=True)


@pytest.mark.parametrize(
    "line, read",
    [
        ("838 722 1234", {"meeting_number": "8387221234"}),
        ("838-722-1234", {"meeting_number": "8387221234"}),
        ("conf-1 union-1", {"schedule_conference_id": "conf-1", "creator_union_id": "union-1"}),
        ("conf-1,union-1", {"schedule_conference_id": "conf-1", "creator_union_id": "union-1"}),
        ("conf-1, union-1", {"schedule_conference_id": "conf-1", "creator_union_id": "union-1"}),
        ("conf-1，union-1", {"schedule_conference_id": "conf-1", "creator_union_id": "union-1"}),  # full width
        ("conf-1 ， union-1", {"schedule_conference_id": "conf-1", "creator_union_id": "union-1"}),
        ("会议号：838 722 1234", {"meeting_number": "8387221234"}),
        ("a b c", {}),
        ("a,b,c", {}),
    ],
)
def test_it_reads_a_line(line, read):
    assert services.imports.read_line(line) == read


@responses.activate
def test_the_preview_says_what_dingtalk_says_and_nothing_is_added(alice_client, organization, committed):
    dingtalk_lists("8387221234", "conf-a")
    dingtalk_answers("conf-a", "union-conf-a")
    dingtalk_lists("111222333", "conf-b", "conf-c")
    dingtalk_answers("conf-ids", "union-ids")
    responses.get(query_url("conf-comma"), **dingtalk_error(400, "permissionError", "permissionError:no"))
    dingtalk_lists("444555666")

    with committed():
        response = start(alice_client, organization)

    meeting_import = MeetingImport.objects.get()
    assert response.status_code == 302 and response.url == detail_url(meeting_import)
    assert meeting_import.status == MeetingImport.Status.PREVIEWED
    assert not Meeting.objects.exists()
    page = alice_client.get(response.url)
    html = page.content.decode()
    lines = {line.number: line for line in meeting_import.lines.all()}
    assert sorted(lines) == [2, 4, 5, 6, 7, 8]  # the comment and the blank line are skipped
    assert (lines[2].title, lines[2].creator_union_id, lines[2].problem) == ("Meeting conf-a", "union-conf-a", "")
    assert lines[4].problem == texts.IMPORT_SEVERAL % {"number": "111 222 333"}
    assert lines[5].addable and lines[5].title == "Meeting conf-ids"
    assert lines[6].problem == texts.IMPORT_CREATOR_REFUSED % {"creator": "union-comma"}
    assert lines[7].problem == texts.IMPORT_LINE_UNREADABLE
    assert lines[8].problem == texts.MEETING_NUMBER_UNKNOWN % {"number": "444 555 666"}
    assert "2025-12-01 10:00" in html  # in Shanghai
    assert 'name="confirm"' in html
    assert "data-poll" not in html  # done previewing: no more asking


@responses.activate
def test_confirming_adds_those_that_can_be_added_with_a_result_per_line(
    alice_client, organization, office_admin, committed
):
    dingtalk_lists("8387221234", "conf-a")
    dingtalk_answers("conf-a", "union-conf-a")
    dingtalk_answers("conf-ids", "union-ids")
    with committed():
        start(alice_client, organization, "838 722 1234\nconf-ids union-ids\nnonsense words here\n")
    meeting_import = MeetingImport.objects.get()

    with committed():
        confirm(alice_client, meeting_import)
    response = alice_client.get(detail_url(meeting_import))

    meeting_import.refresh_from_db()
    assert meeting_import.status == MeetingImport.Status.DONE
    assert sorted(Meeting.objects.values_list("schedule_conference_id", flat=True)) == ["conf-a", "conf-ids"]
    assert list(meeting_import.lines.values_list("result", flat=True)) == [
        MeetingImportLine.Result.ADDED,
        MeetingImportLine.Result.ADDED,
        MeetingImportLine.Result.NOT_ADDED,
    ]
    html = response.content.decode()
    assert "3 of 3 lines done: 2 added, 1 not added" in html
    assert reverse("meetings:edit", args=[Meeting.objects.get(schedule_conference_id="conf-a").pk]) in html
    assert Meeting.objects.get(schedule_conference_id="conf-a").updated_by == office_admin


@responses.activate
def test_a_meeting_added_meanwhile_is_a_line_not_added(alice_client, organization, meeting, committed):
    dingtalk_answers("conf-x", "u-x")
    with committed():
        start(alice_client, organization, f"conf-x u-x\n{meeting.schedule_conference_id} {meeting.creator_union_id}")

    meeting_import = MeetingImport.objects.get()
    [first, second] = meeting_import.lines.all()
    assert first.addable
    assert second.problem == texts.MEETING_ALREADY_IN_PORTAL % {
        "organization": organization.name,
        "title": meeting.title,
    }


@responses.activate
def test_a_throttled_reply_waits_and_the_line_is_not_lost(alice_client, organization, monkeypatch, committed):
    from meetings.dingtalk import pacing

    waits = []
    monkeypatch.setattr(pacing, "sleep", waits.append)
    qps = dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps")
    for _ in range(dingtalk.MAX_ATTEMPTS):  # the transport's own tries, all throttled
        responses.get(query_url("conf-q"), **qps)
    dingtalk_answers("conf-q", "u-q")

    with committed():
        start(alice_client, organization, "conf-q u-q")

    line = MeetingImportLine.objects.get()
    assert line.addable and line.title == "Meeting conf-q"
    assert pacing.THROTTLED_WAIT in waits


@responses.activate
def test_confirming_twice_runs_once(alice_client, organization, committed):
    dingtalk_answers("conf-a", "u-a")
    with committed():
        start(alice_client, organization, "conf-a u-a")
    meeting_import = MeetingImport.objects.get()
    responses.calls.reset()

    with committed():  # both posts arrive before the worker starts the run
        first = confirm(alice_client, meeting_import)
        second = confirm(alice_client, meeting_import)

    assert [str(m) for m in first.context["messages"]][-1:] == [texts.IMPORT_CONFIRMED]
    assert [str(m) for m in second.context["messages"]] == [texts.IMPORT_NOT_WAITING]
    assert len(responses.calls) == 1  # DingTalk is asked about the line by one run
    assert MeetingImportLine.objects.get().result == MeetingImportLine.Result.ADDED
    assert Meeting.objects.count() == 1


def test_the_progress_page_refreshes_itself_while_the_job_runs(alice_client, organization):
    meeting_import = MeetingImport.objects.create(organization=organization)
    MeetingImportLine.objects.create(
        meeting_import=meeting_import, number=1, text="838 722 1234", meeting_number="8387221234"
    )

    response = alice_client.get(detail_url(meeting_import))

    html = response.content.decode()
    assert "http-equiv" not in html  # no reload (axe: meta-refresh): a script asks the progress endpoint
    assert f'data-poll="{reverse("meetings:import_progress", args=[meeting_import.pk])}"' in html
    assert "0 of 1 lines checked" in html
    assert "<script>" not in html


def test_at_most_500_lines(alice_client, organization):
    response = start(alice_client, organization, "\n".join(f"conf-{n} u" for n in range(501)))
    assert response.context["form"].errors["lines"] == [texts.IMPORT_TOO_MANY_LINES % {"limit": 500, "count": 501}]
    assert not MeetingImport.objects.exists()


def test_only_comments_are_no_lines(alice_client, organization):
    response = start(alice_client, organization, "# nothing\n\n")
    assert response.context["form"].errors["lines"] == [texts.IMPORT_NO_LINES]


def test_helpdesk_may_not_import(client, helpdesk):
    client.force_login(helpdesk)
    assert client.get(IMPORT_URL).status_code == 403


def test_an_import_of_another_organization_is_a_404(alice_client):
    from meetings.models import Organization

    other = MeetingImport.objects.create(organization=Organization.objects.create(name="Not mine", time_zone="UTC"))
    assert alice_client.get(detail_url(other)).status_code == 404


def test_the_progress_page_reads_in_chinese(alice_client, organization):
    meeting_import = MeetingImport.objects.create(organization=organization, status=MeetingImport.Status.PREVIEWED)
    MeetingImportLine.objects.create(
        meeting_import=meeting_import, number=1, text="x y", checked=True, problem=str(texts.IMPORT_LINE_UNREADABLE)
    )

    html = alice_client.get(detail_url(meeting_import), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "等待确认" in html and "1 行中有 0 行可以添加" in html and "无法添加：" in html


@responses.activate
def test_the_job_writes_each_reason_in_the_language_of_the_person(organization, office_admin):
    dingtalk_lists("444555666")
    meeting_import = services.import_create(
        organization=organization, text="444 555 666", by=office_admin, language="zh-hans"
    )

    # as the worker runs it: no request, no language
    services.import_preview(import_id=meeting_import.pk, run_token=meeting_import.run_token)

    expected = "钉钉中没有会议号为 444 555 666 的预约会议。请检查会议号（钉钉在会议邀请中显示）和组织。"
    assert MeetingImportLine.objects.get().problem == expected


def test_a_line_two_runs_added_at_once_keeps_the_result_of_the_run_that_added_it(
    organization, office_admin, django_capture_on_commit_callbacks
):
    """A second run of the import (a job taken over) reads the line while the first is asking DingTalk and
    adds the meeting first; the first run's insert is refused, and its "already in the portal" is not
    written over the line's "added"."""
    meeting_import = services.import_create(organization=organization, text="conf-x u-x", by=office_admin)
    MeetingImportLine.objects.update(checked=True)
    MeetingImport.objects.filter(pk=meeting_import.pk).update(
        status=MeetingImport.Status.QUEUED, confirmed_by=office_admin
    )
    second_run = []

    def answer(request):
        if not second_run:
            second_run.append(True)
            # This run seems dead (its heartbeat is old): the sweep gives the job to another worker, whose
            # run adds the line while this one waits for DingTalk.
            MeetingImport.objects.filter(pk=meeting_import.pk).update(
                heartbeat_at=timezone.now() - datetime.timedelta(minutes=5)
            )
            with django_capture_on_commit_callbacks(execute=True):
                assert services.jobs_take_over_stalled() == 1
        return (
            200,
            {},
            json.dumps(
                {
                    "scheduleConferenceId": "conf-x",
                    "title": "Meeting conf-x",
                    "startTime": START_MS,
                    "endTime": START_MS + HOUR_MS,
                }
            ),
        )

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(responses.GET, query_url("conf-x"), callback=answer)
        services.import_run(import_id=meeting_import.pk, run_token=meeting_import.run_token)

    [line] = MeetingImportLine.objects.all()
    assert (line.result, line.message) == (MeetingImportLine.Result.ADDED, "")
    assert line.meeting == Meeting.objects.get(schedule_conference_id="conf-x")


def shown_lines(client, meeting_import, language):
    """The result cell of each line, as the page shows it to a reader of `language`."""
    html = client.get(detail_url(meeting_import), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    cells = re.findall(r'<td data-label="[^"]*">((?:<strong>|<span|无法添加|Cannot be added)[^\n]*)</td>', html)
    return [unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]


@responses.activate
def test_an_import_run_in_english_reads_in_chinese_to_a_chinese_reader(alice_client, organization, committed):
    """The reasons are kept as codes: whoever reads the import later reads them in their own language."""
    dingtalk_lists("444555666")
    responses.get(query_url("conf-busy"), **dingtalk_error(500, "systemError", "systemError:busy", requestid="rq-1"))
    with committed():
        alice_client.post(
            IMPORT_URL,
            {"organization": organization.pk, "lines": "444555666\nnonsense words here\nconf-busy u-busy"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    meeting_import = MeetingImport.objects.get()
    assert meeting_import.language == "en"

    chinese = " ".join(shown_lines(alice_client, meeting_import, "zh-hans"))

    assert "钉钉中没有会议号为 444 555 666 的预约会议" in chinese
    with translation.override("zh-hans"):
        assert str(texts.IMPORT_LINE_UNREADABLE) in chinese
        assert str(texts.SYSTEM_ERROR % {"detail": "busy"}) in chinese
        assert str(texts.REQUEST_ID_SUFFIX % {"request_id": "rq-1"}) in chinese
    assert not re.search(r"DingTalk has no|Not a meeting number|internal error|Request ID", chinese)
    english = " ".join(shown_lines(alice_client, meeting_import, "en"))
    assert str(texts.MEETING_NUMBER_UNKNOWN % {"number": "444 555 666"}) in english


@responses.activate
def test_the_results_of_the_run_read_in_the_readers_language(alice_client, organization, meeting, committed):
    dingtalk_answers("conf-x", "u-x")
    line = f"{meeting.schedule_conference_id} {meeting.creator_union_id}"
    with committed():
        alice_client.post(
            IMPORT_URL,
            {"organization": organization.pk, "lines": f"conf-x u-x\n{line}"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    meeting_import = MeetingImport.objects.get()
    with committed():
        confirm(alice_client, meeting_import)

    [_, not_added] = meeting_import.lines.all()
    assert not_added.result == MeetingImportLine.Result.NOT_ADDED
    english = " ".join(shown_lines(alice_client, meeting_import, "en"))
    already = texts.MEETING_ALREADY_IN_PORTAL % {"organization": organization.name, "title": meeting.title}
    assert f"Not added — {already}" in english
    assert not re.search(r"[\u4e00-\u9fff]", english.replace(meeting.title, ""))


def test_a_line_kept_before_reasons_had_codes_shows_its_text(alice_client, organization):
    meeting_import = MeetingImport.objects.create(organization=organization, status=MeetingImport.Status.PREVIEWED)
    MeetingImportLine.objects.create(
        meeting_import=meeting_import, number=1, text="x y", checked=True, problem="Ein alter Satz, wie er war."
    )

    assert "无法添加： Ein alter Satz, wie er war." in " ".join(shown_lines(alice_client, meeting_import, "zh-hans"))
