"""Every route of the portal (and the admin pages an office admin uses), with each state that shows something
of its own -- checking with DingTalk, a running import, a running bulk rename, DingTalk's refusal, a form's
errors -- in English and Chinese, on two phones and a desktop: axe-core finds no WCAG 2.2 A/AA violation, no
page is wider than the screen, none reloads itself, and no Chinese page shows a sentence of the catalog in
English.

The data is what makes pages wide: long Chinese titles, an import of 100 lines most of which failed, a bulk
rename previewing 30 meetings. One logged-in browser context per language and width visits every page in
turn and checks both things on each (the log-in and the data are the slow part, axe the rest).
"""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from meetings import texts
from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange, MeetingImport, MeetingImportLine
from tests.e2e.helpers import PASSWORD, book
from tests.helpers import english_in, english_sentences

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
SMALL_PHONE, PHONE, DESKTOP = 360, 390, 1440
LANGUAGES = {"en": "en-GB", "zh-hans": "zh-CN"}
# A page is too wide when it scrolls sideways: what a person on a phone must not have to do.
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Titles as long as DingTalk takes them (50 characters), in Chinese: no space to break a line at.
LONG_CJK = "二零二七年第一季度全体员工大会暨产品路线图评审与年度预算讨论会议上海总部与北京分部联合召开请准时"
LONG_LATIN = "Quarterly planning with the whole Berlin office and"


@pytest.fixture
def admin_user(django_user_model, organization, app_organization):
    """Ada, a superuser and staff member of both organizations: every page is open to her."""
    user = django_user_model.objects.create_superuser("ada", password=PASSWORD)
    user.dingtalk_organizations.add(organization, app_organization)
    return user


def _history(meeting, app_meeting, user):
    """Changes of every outcome, in two time zones, with DingTalk's codes and request IDs."""
    start = meeting.starts_at
    for outcome, code, request_id, message in [
        (MeetingChange.Outcome.SUCCESS, "", "", "Saved."),
        (
            MeetingChange.Outcome.FAILED,
            "systemError",
            "5C9D1E2F-3A4B-4C5D-8E9F-0A1B2C3D4E5F",
            # As a failed save keeps it (services/audit.py): its code and parameters, for every reader's language.
            texts.Sentence.joined(
                texts.Sentence(texts.SYSTEM_ERROR, {"detail": "sandbox injected fault"}),
                texts.Sentence(texts.REQUEST_ID_SUFFIX, {"request_id": "5C9D1E2F-3A4B-4C5D-8E9F-0A1B2C3D4E5F"}),
            ),
        ),
        (MeetingChange.Outcome.CONFLICT, "", "", "Not saved: someone else saved this meeting after you opened it."),
        (MeetingChange.Outcome.UNKNOWN, "DingTalkTimeout", "", "DingTalk did not answer in time."),
    ]:
        for booked in (meeting, app_meeting):
            MeetingChange.objects.create(
                meeting=booked,
                organization=booked.organization,
                user=user,
                outcome=outcome,
                old_title=booked.title,
                new_title=LONG_CJK if booked is app_meeting else booked.title + " (final)",
                old_starts_at=start,
                new_starts_at=start + datetime.timedelta(minutes=30),
                old_ends_at=booked.ends_at,
                new_ends_at=booked.ends_at + datetime.timedelta(minutes=30),
                dingtalk_code=code,
                request_id=request_id,
                http_status=500 if code == "systemError" else None,
                message=str(message),
                message_sentence=message.as_data() if isinstance(message, texts.Sentence) else None,
            )


def _import(organization, user, *, status, lines):
    meeting_import = MeetingImport.objects.create(organization=organization, created_by=user, status=status)
    MeetingImportLine.objects.bulk_create(
        MeetingImportLine(meeting_import=meeting_import, number=number, **line)
        for number, line in enumerate(lines, start=1)
    )
    return meeting_import


@pytest.fixture
def world(sandbox, meeting, app_meeting, admin_user):
    """What a busy portal holds: see the module's docstring. {state: the object its pages are about}."""
    organization, shanghai = meeting.organization, app_meeting.organization
    _history(meeting, app_meeting, admin_user)
    first = datetime.datetime(2027, 4, 1, 9, 0, tzinfo=shanghai.zone)
    long_one = book(sandbox, shanghai, title=LONG_CJK, starts_at=first)
    Meeting.objects.filter(pk=long_one.pk).update(
        meeting_number="8387221234",
        join_url="https://meeting.dingtalk.com/j/8387221234?code=averylongjoincode0123456789",
    )
    series = [
        book(sandbox, shanghai, title=f"周会 {LONG_CJK[: 20 + number % 20]} {number}", starts_at=first)
        for number in range(30)
    ]
    canceled = book(sandbox, organization, title=LONG_LATIN, starts_at=meeting.starts_at)
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)

    # A save whose answer was lost: checked with DingTalk once no try can still arrive.
    checking = book(sandbox, organization, title="Budget review", starts_at=meeting.starts_at)
    later = timezone.now() + datetime.timedelta(minutes=10)
    MeetingChange.objects.create(
        meeting=checking,
        organization=organization,
        user=admin_user,
        outcome=MeetingChange.Outcome.UNKNOWN,
        old_title="Budget review",
        new_title="Budget review (final)",
        new_starts_at=meeting.starts_at,
        new_ends_at=meeting.ends_at,
        dingtalk_code="DingTalkTimeout",
        check_after=later,
        message=str(texts.OUTCOME_UNKNOWN),
        message_sentence=texts.Sentence(texts.OUTCOME_UNKNOWN).as_data(),  # as services/meetings.py keeps it
        submission_key="c" * 32,  # the page of the person's own save: one message with the wait in it
    )
    Meeting.objects.filter(pk=checking.pk).update(update_lease_until=later)

    problem = "DingTalk has no meeting with this number in the organization; check the number and the organization."
    finished_import = _import(
        shanghai,
        admin_user,
        status=MeetingImport.Status.DONE,
        lines=[
            {
                "text": f"{8000000000 + number} {LONG_CJK}" if number % 3 else f"{'x' * 120}",
                "checked": True,
                "title": LONG_CJK if number % 4 == 0 else "",
                "starts_at": first if number % 4 == 0 else None,
                "ends_at": first + datetime.timedelta(hours=1) if number % 4 == 0 else None,
                "creator_union_id": "creatorUnionId0123456789abcdefABCDEF" if number % 4 == 0 else "",
                "problem": problem if number % 4 else "",
                "result": MeetingImportLine.Result.NOT_ADDED if number % 4 else MeetingImportLine.Result.ADDED,
                "message": problem if number % 4 else "",
                "meeting": long_one if number % 4 == 0 else None,
            }
            for number in range(100)
        ],
    )
    running_import = _import(
        shanghai,
        admin_user,
        status=MeetingImport.Status.PREVIEWING,
        lines=[{"text": f"{8000000000 + number}", "checked": number < 3} for number in range(10)],
    )

    def bulk(status, state):
        job = BulkRename.objects.create(
            created_by=admin_user,
            find="周会",
            replace="例会",
            status=status,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        BulkRenameItem.objects.bulk_create(
            BulkRenameItem(
                job=job,
                meeting=booked,
                old_title=booked.title,
                new_title=booked.title.replace("周会", "例会"),
                state=state(number),
                message="" if state(number) != BulkRenameItem.State.FAILED else problem,
            )
            for number, booked in enumerate(series)
        )
        return job

    running_rename = bulk(BulkRename.Status.RUNNING, lambda n: BulkRenameItem.State.RENAMED if n < 5 else "pending")
    finished_rename = bulk(
        BulkRename.Status.DONE,
        lambda n: BulkRenameItem.State.FAILED if n % 7 == 0 else BulkRenameItem.State.RENAMED,
    )
    return {
        "meeting": meeting,
        "app meeting": app_meeting,
        "long": long_one,
        "checking": checking,
        "finished import": finished_import,
        "running import": running_import,
        "running rename": running_rename,
        "finished rename": finished_rename,
    }


@pytest.fixture
def signing_in(settings, sandbox, organization, admin_user):
    """Sign in with DingTalk set up (the login page offers it), one person waiting for approval and one
    approved (/people/ shows its form and its table)."""
    from django.contrib.auth.models import Group

    from accounts import services

    Group.objects.get_or_create(name="Helpdesk")  # live_server's flushes empty the roles' table
    settings.DINGTALK_LOGIN_CLIENT_ID, settings.DINGTALK_LOGIN_CLIENT_SECRET = "login-app", "login-secret"
    settings.DINGTALK_LOGIN_URL = sandbox.base_url + "/oauth2/auth"
    settings.DINGTALK_LOGIN_API_BASE = sandbox.base_url
    organization.corp_id = "ding-berlin"
    organization.save(update_fields=["corp_id"])
    services.person_sign_in(union_id="union-waiting", nick="王美 Mei", corp_id="ding-berlin")
    approved, _ = services._person_for(union_id="union-approved", nick="Anna Schmidt", corp_id="ding-berlin")
    services.person_approve(person=approved, role="helpdesk", organizations=[organization], by=admin_user)


def submit(page, form="main form.form"):
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def pages(world, sandbox):
    """(name, how to get there) for each page state a logged-in person sees."""
    meeting, long_one = world["meeting"], world["long"]

    def go(url):
        return lambda page: page.goto(url)

    def edit_with_errors(page):
        page.goto(reverse("meetings:edit", args=[meeting.pk]))
        page.locator("#id_title").fill("")
        page.locator("#id_end_time").fill("2027-03-15 09:00")
        submit(page)

    def edit_into_the_past(page):  # the form asks for a confirmation (tests/conftest.py's clock: 2023)
        page.goto(reverse("meetings:edit", args=[meeting.pk]))
        page.locator("#id_start_time").fill("2022-12-01 10:00")
        page.locator("#id_end_time").fill("2022-12-01 11:00")
        submit(page)
        assert page.locator("#id_confirm_past").count() == 1

    def edit_refused_by_dingtalk(page):
        sandbox.state.arm_fault("permissionError", api="update")
        page.goto(reverse("meetings:edit", args=[long_one.pk]))
        page.locator("#id_title").fill(LONG_CJK[:40])
        submit(page)
        assert page.locator(".message-error, .outcome").count() >= 1

    def add_with_errors(page):
        page.goto(reverse("meetings:add"))
        page.locator("#id_meeting_number").fill("12")
        submit(page)

    def create_with_errors(page):
        page.goto(reverse("meetings:create"))
        page.locator("#id_title").fill(" ")
        submit(page)

    def creator_with_errors(page):
        page.goto(reverse("meetings:creator", args=[meeting.pk]))
        page.locator("#id_creator_union_id").fill("not a union id!")
        submit(page)

    def import_with_errors(page):
        page.goto(reverse("meetings:import"))
        submit(page)

    def bulk_rename_with_errors(page):
        page.goto(reverse("meetings:bulk_rename") + "?find=&replace=x")

    def settings_with_errors(page):
        page.goto(reverse("meetings:settings", args=[meeting.pk]))
        page.locator("#id_host_union_id").fill("not a union id!")
        submit(page)

    return [
        ("meeting list", go(reverse("meetings:list"))),
        ("meeting list no match", go(reverse("meetings:list") + "?q=nothing+like+this")),
        ("edit", go(reverse("meetings:edit", args=[meeting.pk]))),
        ("edit long", go(reverse("meetings:edit", args=[long_one.pk]))),
        ("edit with errors", edit_with_errors),
        ("edit into the past", edit_into_the_past),
        ("edit refused by DingTalk", edit_refused_by_dingtalk),
        ("edit checking with DingTalk", go(reverse("meetings:edit", args=[world["checking"].pk]))),
        (
            "edit your own save checking with DingTalk",
            go(reverse("meetings:edit", args=[world["checking"].pk]) + "?submission=" + "c" * 32),
        ),
        ("history", go(reverse("meetings:history", args=[world["app meeting"].pk]))),
        ("activity", go(reverse("meetings:activity"))),
        ("add meeting", go(reverse("meetings:add"))),
        ("add meeting with errors", add_with_errors),
        ("book a meeting", go(reverse("meetings:create"))),
        ("book a meeting with errors", create_with_errors),
        ("bulk rename", go(reverse("meetings:bulk_rename"))),
        ("bulk rename with errors", bulk_rename_with_errors),
        (
            "bulk rename preview",
            go(reverse("meetings:bulk_rename") + "?find=%E5%91%A8%E4%BC%9A&replace=%E4%BE%8B%E4%BC%9A"),
        ),
        ("bulk rename running", go(reverse("meetings:bulk_rename_job", args=[world["running rename"].pk]))),
        ("bulk rename finished", go(reverse("meetings:bulk_rename_job", args=[world["finished rename"].pk]))),
        ("import", go(reverse("meetings:import"))),
        ("import with errors", import_with_errors),
        ("import running", go(reverse("meetings:import_detail", args=[world["running import"].pk]))),
        ("import finished", go(reverse("meetings:import_detail", args=[world["finished import"].pk]))),
        ("cancel", go(reverse("meetings:cancel", args=[long_one.pk]))),
        ("settings", go(reverse("meetings:settings", args=[meeting.pk]))),
        ("settings with errors", settings_with_errors),
        ("creator", go(reverse("meetings:creator", args=[long_one.pk]))),
        ("creator with errors", creator_with_errors),
        ("remove", go(reverse("meetings:remove", args=[long_one.pk]))),
        ("people", go(reverse("people"))),
        ("password change", go(reverse("password_change"))),
        ("password change done", go(reverse("password_change_done"))),
        ("not found", go(reverse("meetings:edit", args=[meeting.pk + 1000]))),
        ("admin index", go(reverse("admin:index"))),
        ("admin organization", go(reverse("admin:meetings_organization_change", args=[meeting.organization_id]))),
        ("admin meetings", go(reverse("admin:meetings_meeting_changelist"))),
        ("admin meeting changes", go(reverse("admin:meetings_meetingchange_changelist"))),
    ]


def axe_violations(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
    ]


def reloads_itself(page):
    """A page that reloads itself (a meta refresh) moves a screen reader's place and loses what one typed."""
    return ["reloads itself (meta refresh)"] if page.locator('meta[http-equiv="refresh" i]').count() else []


def too_wide(page):
    width, screen = page.evaluate(PAGE_WIDTH)
    return [f"{width} px wide on a {screen} px screen"] if width > screen else []


def log_in(page):
    page.locator("#id_username").fill("ada")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/accounts/login/'] button[type=submit]").click()


def log_out(page):
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()


def visit_every_page(chromium, live_server, sandbox, world, *, language, width):
    """Log in, open each page and check it; then log out. {page name: what was wrong with it}.

    With SCREENSHOTS=<a directory>, each page's screenshot goes there, to look at.
    """
    screenshots = os.environ.get("SCREENSHOTS")
    english = english_sentences() if language != "en" else set()

    def check(name):
        if screenshots:
            page.screenshot(path=f"{screenshots}/{language}-{width}-{name.replace(' ', '-')}.png", full_page=True)
        untranslated = [f"English left: {piece}" for piece in english_in(page.inner_text("body"), english)]
        found[name] = too_wide(page) + reloads_itself(page) + axe_violations(page) + untranslated

    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, locale=LANGUAGES[language]
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    found = {}
    try:
        page.goto(reverse("login"))
        check("log in")
        log_in(page)
        assert page.evaluate("document.documentElement.lang") == language
        for name, open_page in pages(world, sandbox):
            open_page(page)
            check(name)
        log_out(page)
        assert page.locator(".message-success").count() == 1
        check("logged out")
    finally:
        context.close()
    return found


@pytest.mark.parametrize("width", [SMALL_PHONE, PHONE, DESKTOP])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_the_screen_and_axe_finds_no_wcag_violation(
    chromium, live_server, sandbox, world, signing_in, language, width
):
    found = visit_every_page(chromium, live_server, sandbox, world, language=language, width=width)

    assert len(found) == len(pages(world, sandbox)) + 2
    failing = [f"{name}: {problem}" for name, problems in found.items() for problem in problems]
    assert failing == [], "\n".join(failing)
