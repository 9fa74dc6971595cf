"""Chinese and English: the language follows the browser or the switcher, and every page reads in Chinese."""

import csv
import json

import pytest
import responses
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from meetings import texts
from meetings.models import MeetingChange
from tests.helpers import UPDATE_URL, dingtalk_has, grant, po_entries, shown_messages

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
PARAMS_ERROR_REPLY = {
    "status": 400,
    "json": {"code": "paramsError", "message": "error:startTime is illegal", "requestid": "req-1"},
}


def in_chinese(text):
    with translation.override("zh-hans"):
        return str(text)


def save(client, meeting, **headers):
    data = {"title": "周会", "start_time": "2026-12-01T14:00", "end_time": "2026-12-01T15:00", "version": 1}
    return client.post(reverse("meetings:edit", args=[meeting.pk]), data, follow=True, **headers)


@responses.activate
def test_dingtalks_params_error_reads_in_chinese(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **PARAMS_ERROR_REPLY)

    response = save(alice_client, meeting, **CHINESE)

    with translation.override("zh-hans"):
        expected = (
            texts.PARAMS_ERROR % {"detail": "startTime is illegal"}
            + " "
            + texts.REQUEST_ID_SUFFIX % {"request_id": "req-1"}
        )
    assert shown_messages(response) == [expected]
    assert expected.startswith("钉钉拒绝了某个值：startTime is illegal。")
    assert '<html lang="zh-hans">' in response.content.decode()
    assert MeetingChange.objects.get().message == expected  # the history shows the words the person read


@responses.activate
def test_dingtalks_params_error_reads_in_english(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **PARAMS_ERROR_REPLY)

    response = save(alice_client, meeting, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert shown_messages(response) == [
        "DingTalk rejected a value: startTime is illegal. Nothing was changed; correct the form and save again. "
        "DingTalk request ID: req-1."
    ]


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            {"status": 400, "json": {"code": "resourceCancel", "message": "canceled"}},
            lambda: str(texts.RESOURCE_CANCEL),
        ),
        (
            {"status": 403, "json": {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "qps"}},
            lambda: str(texts.THROTTLED),
        ),
    ],
)
@responses.activate
def test_other_dingtalk_errors_read_in_chinese(alice_client, meeting, reply, expected):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **reply)
    with translation.override("zh-hans"):
        expected = expected()
    assert shown_messages(save(alice_client, meeting, **CHINESE)) == [expected]


def test_form_errors_read_in_chinese(alice_client, meeting):
    response = alice_client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {"title": "长" * 51, "start_time": "2026-12-01T14:00", "end_time": "2026-12-01T13:00", "version": 1},
        follow=True,
        **CHINESE,
    )
    errors = response.context["form"].errors
    assert errors["title"] == [in_chinese(texts.TITLE_TOO_LONG) % {"limit": 50, "length": 51}]
    assert errors["end_time"] == ["结束时间必须晚于开始时间。"]


def test_the_switcher_sets_the_language_over_the_browsers(alice_client):
    page = alice_client.get(reverse("meetings:list"))
    assert 'action="/i18n/setlang/"' in page.content.decode()

    switched = alice_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/meetings/"})
    assert switched.status_code == 302 and switched["Location"] == "/meetings/"

    html = alice_client.get(reverse("meetings:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in html and "钉钉会议管理门户" in html
    back = alice_client.post(reverse("set_language"), {"language": "en", "next": "/meetings/"}, follow=True)
    assert "DingTalk meeting portal" in back.content.decode()


def test_the_switcher_refuses_a_foreign_next(alice_client):
    response = alice_client.post(reverse("set_language"), {"language": "zh-hans", "next": "https://evil.example/"})
    assert response["Location"] == "/"


# --- every page -------------------------------------------------------------------------------------


def english_strings_of(template):
    """The template's own English texts: none may be left on the Chinese page."""
    return [
        msgid
        for references, _, msgid, msgstr in po_entries()
        if any(ref.startswith(template + ":") for ref in references)
        and "%(" not in msgid
        and msgid != msgstr
        and "'" not in msgid
    ]


@pytest.fixture
def office_admin_client(client, office_admin, meeting):
    office_admin.groups.add(Group.objects.get(name="Office admins"))
    office_admin.is_staff = True
    office_admin.save()
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        action="update",
        outcome="failed",
        old_title="a",
        new_title="b",
        dingtalk_code="paramsError",
    )
    client.force_login(office_admin)
    return client


PAGES = [
    pytest.param("meetings:list", (), "templates/meetings/meeting_list.html", 200, id="list"),
    pytest.param("meetings:add", (), "templates/meetings/meeting_register.html", 200, id="register"),
    pytest.param("meetings:edit", ("meeting",), "templates/meetings/meeting_edit.html", 200, id="edit"),
    pytest.param("meetings:history", ("meeting",), "templates/meetings/meeting_history.html", 200, id="history"),
    pytest.param("meetings:activity", (), "templates/meetings/activity.html", 200, id="activity"),
    pytest.param("meetings:creator", ("meeting",), "templates/meetings/meeting_creator.html", 200, id="creator"),
    pytest.param("meetings:import", (), "templates/meetings/meeting_import.html", 200, id="import"),
]


@pytest.mark.parametrize("name, args, template, status", PAGES)
def test_every_page_reads_in_chinese(office_admin_client, meeting, name, args, template, status):
    url = reverse(name, args=[meeting.pk for _ in args])
    response = office_admin_client.get(url, **CHINESE)
    html = response.content.decode()

    assert response.status_code == status
    assert '<html lang="zh-hans">' in html
    for text in english_strings_of(template) + english_strings_of("templates/base.html"):
        assert text not in html, text
    assert "钉钉会议管理门户" in html


def test_status_and_outcome_labels_read_in_chinese(office_admin_client, meeting):
    meeting.status = meeting.Status.CANCELED
    meeting.save()
    history = office_admin_client.get(reverse("meetings:history", args=[meeting.pk]), **CHINESE).content.decode()
    assert "已在钉钉中取消" in history and "失败" in history and "修改" in history


@pytest.mark.parametrize(
    "url, template, status",
    [
        ("/meetings/999999/edit/", "templates/404.html", 404),
        ("/accounts/login/", "templates/registration/login.html", 200),
    ],
)
def test_error_and_login_pages_read_in_chinese(client, django_user_model, url, template, status):
    if status == 404:
        user = django_user_model.objects.create_user("someone")
        grant(user, "change_meeting")
        client.force_login(user)
    response = client.get(url, **CHINESE)
    html = response.content.decode()
    assert response.status_code == status
    assert '<html lang="zh-hans">' in html
    for text in english_strings_of(template):
        assert text not in html, text


def test_a_refused_permission_reads_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    response = client.get(reverse("meetings:activity"), **CHINESE)
    assert response.status_code == 403
    assert "您无权执行此操作" in response.content.decode()


def test_the_csv_header_follows_the_language(office_admin_client):
    response = office_admin_client.get(reverse("meetings:activity_csv"), **CHINESE)
    first_line = response.content.decode("utf-8").splitlines()[0]
    header = next(csv.reader([first_line.lstrip("\ufeff")]))  # every cell quoted (issue 15)
    assert header[:8] == ["时间", "组织", "会议", "会议 ID", "会议状态", "人员", "操作", "结果"]


def test_the_admin_additions_read_in_chinese(client, django_user_model, meeting):
    MeetingChange.objects.create(meeting=meeting, organization=meeting.organization, outcome="conflict")
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123456"))
    html = client.get(reverse("admin:meetings_meetingchange_changelist"), **CHINESE).content.decode()
    assert "钉钉会议管理后台" in html
    assert "会议修改记录" in html and "结果" in html and "钉钉错误码" in html and "已中止：已在别处修改" in html


def test_the_admins_javascript_reads_in_chinese(admin_client):
    """Django's own zh_Hans catalog lacks the strings of the members' chooser: the portal's has them."""
    catalog = admin_client.get("/admin/jsi18n/", **CHINESE).content.decode()

    for english, chinese in [
        ("Choose all %s", "选择全部%s"),
        ("Remove selected %s", "移除选中的%s"),
        ("(click to clear)", "（点击清除）"),
    ]:
        assert json.dumps({english: chinese})[1:-1] in catalog  # as the catalog writes it: "\\u9009..."


def test_the_admins_screen_reader_headers_read_in_chinese(admin_client):
    html = admin_client.get(reverse("admin:index"), **CHINESE).content.decode()

    assert "模型名称" in html and "添加链接" in html and "修改或查看列表的链接" in html
    assert "Model name" not in html
