"""On a 360 px phone in Chromium: the header folds into a menu; the lists are stacked rows, each row's title or
action first, every fact on the screen; every target a finger must hit is at least 24 x 24 px (WCAG 2.2's
target size, stricter than axe's spacing rule); a checkbox and its label share a line.

tests/e2e/browser/test_every_page.py checks that no page is wider than the screen, with long data."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import BulkRename, BulkRenameItem, Meeting, MeetingChange, MeetingImport, MeetingImportLine
from tests.e2e.helpers import PASSWORD, book

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WIDTH = 360
LONG_CJK = "二零二七年第一季度全体员工大会暨产品路线图评审与年度预算讨论会议上海总部与北京分部联合召开请准时"

# Each target (link, button, field, summary) shown on the page whose box is under 24 px either way. A link
# inside a sentence is exempt, as WCAG 2.5.8 exempts it: it is as tall as the text around it.
SMALL_TARGETS = """() => {
  const small = [];
  const targets = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const element of document.querySelectorAll(targets)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width <= 1 || box.height <= 1 || box.right <= 0 || style.visibility === "hidden") continue;
    const around = element.parentElement;
    const inSentence = element.tagName === "A" && style.display === "inline" && around &&
      around.textContent.trim().length > element.textContent.trim().length;
    if (inSentence) continue;
    if (box.width < 24 || box.height < 24) {
      const name = element.textContent.trim() || element.id || element.name || element.tagName;
      small.push(`${name.slice(0, 40)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""
# Each checkbox whose label does not start on its line, to its right, or that sits on its group's border.
CHECKBOX_APART = """() => Array.from(document.querySelectorAll("input[type=checkbox]")).filter((box) => {
  const label = box.labels && box.labels[0];
  if (!label || !box.getClientRects().length) return false;
  // The label's words: the label's box, or where its text after the box starts when it holds the box.
  let words = label;
  if (label.contains(box)) {
    words = document.createRange();
    words.setStartAfter(box);
    words.setEndAfter(label.lastChild);
  }
  const input = box.getBoundingClientRect(), first = Array.from(words.getClientRects()).find((r) => r.width > 0);
  const group = box.closest("fieldset");
  const onTheBorder = group && input.bottom > group.getBoundingClientRect().bottom - 4;
  return onTheBorder || !(first.left >= input.right - 1 && first.top < input.bottom && first.bottom > input.top);
}).map((box) => box.id)"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def admin_user(django_user_model, organization, app_organization):
    user = django_user_model.objects.create_superuser("ada", password=PASSWORD)
    user.dingtalk_organizations.add(organization, app_organization)
    return user


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 800}, locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def data(sandbox, meeting, app_meeting, admin_user):
    """A long Chinese title with a number, a change to restore, an import and a bulk rename with results."""
    shanghai = app_meeting.organization
    long_one = book(
        sandbox, shanghai, title=LONG_CJK, starts_at=datetime.datetime(2027, 4, 1, 9, 0, tzinfo=shanghai.zone)
    )
    Meeting.objects.filter(pk=long_one.pk).update(
        meeting_number="8387221234", join_url="https://meeting.dingtalk.com/j/8387221234?code=averylongjoincode0123"
    )
    MeetingChange.objects.create(
        meeting=app_meeting,
        organization=shanghai,
        user=admin_user,
        outcome=MeetingChange.Outcome.SUCCESS,
        old_title=LONG_CJK,
        new_title=app_meeting.title,
        old_starts_at=app_meeting.starts_at,
        new_starts_at=app_meeting.starts_at,
        old_ends_at=app_meeting.ends_at,
        new_ends_at=app_meeting.ends_at,
        message="Saved.",
    )
    meeting_import = MeetingImport.objects.create(
        organization=shanghai, created_by=admin_user, status=MeetingImport.Status.DONE
    )
    MeetingImportLine.objects.create(
        meeting_import=meeting_import,
        number=1,
        text="8387221234",
        checked=True,
        title=LONG_CJK,
        result=MeetingImportLine.Result.ADDED,
        meeting=long_one,
    )
    job = BulkRename.objects.create(created_by=admin_user, find="二零", replace="二〇", status=BulkRename.Status.DONE)
    BulkRenameItem.objects.create(
        job=job, meeting=long_one, old_title=LONG_CJK, new_title=LONG_CJK, state=BulkRenameItem.State.RENAMED
    )
    # Someone waiting for approval: /people/ shows its form, with a checkbox per organization.
    from accounts import services

    app_meeting.organization.corp_id = "ding-shanghai"
    app_meeting.organization.save(update_fields=["corp_id"])
    services.person_sign_in(union_id="union-waiting", nick="王美 Mei", corp_id="ding-shanghai")
    return {"meeting": meeting, "app meeting": app_meeting, "long": long_one, "import": meeting_import, "job": job}


def log_in(page):
    page.goto(reverse("login"))
    page.locator("#id_username").fill("ada")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")


def test_the_header_folds_into_a_menu(phone, sandbox, data, admin_user):
    log_in(phone)
    header = phone.locator("header.site-header")
    menu = phone.get_by_role("button", name="Menu")
    assert header.bounding_box()["height"] <= 80
    assert not phone.get_by_role("navigation", name="Main").is_visible()

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    navigation = phone.get_by_role("navigation", name="Main")
    assert navigation.get_by_role("link", name="Bulk rename").is_visible()
    with phone.expect_navigation():
        navigation.get_by_role("link", name="Activity").click()
    assert not phone.get_by_role("navigation", name="Main").is_visible()  # folded again on the next page


def test_the_lists_stack_with_each_rows_title_first_and_every_fact_on_screen(phone, sandbox, data, admin_user):
    log_in(phone)
    for url, first in [
        (reverse("meetings:list") + "?show=all", LONG_CJK),
        (reverse("meetings:import_detail", args=[data["import"].pk]), "1"),
        (reverse("meetings:bulk_rename_job", args=[data["job"].pk]), LONG_CJK),
    ]:
        phone.goto(url)
        row = phone.locator("table.stack tbody tr").first
        cells = row.locator("td")
        boxes = [cells.nth(index).bounding_box() for index in range(cells.count())]
        shown = [box for box in boxes if box and box["height"] > 0]
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= WIDTH for box in shown), (url, shown)
        # One fact a line, the row's title (or action) on top.
        title = row.locator("td.row-title, td.row-action").first
        assert title.bounding_box()["y"] == min(box["y"] for box in shown), url
        if first is not None:
            assert title.inner_text().startswith(first), url
        assert phone.evaluate(PAGE_WIDTH)[0] <= WIDTH, url


def test_every_target_is_at_least_24_px_and_checkboxes_sit_beside_their_labels(phone, sandbox, data, admin_user):
    log_in(phone)
    meeting, long_one = data["meeting"], data["long"]
    found = {}
    for url in [
        reverse("meetings:list"),
        reverse("meetings:list") + "?q=nothing",
        reverse("meetings:edit", args=[long_one.pk]),
        reverse("meetings:history", args=[data["app meeting"].pk]),
        reverse("meetings:settings", args=[meeting.pk]),
        reverse("meetings:creator", args=[long_one.pk]),
        reverse("meetings:cancel", args=[long_one.pk]),
        reverse("meetings:remove", args=[long_one.pk]),
        reverse("meetings:add"),
        reverse("meetings:create"),
        reverse("meetings:import"),
        reverse("meetings:import_detail", args=[data["import"].pk]),
        reverse("meetings:bulk_rename") + "?find=%E4%BA%8C%E9%9B%B6&replace=x",
        reverse("meetings:bulk_rename_job", args=[data["job"].pk]),
        reverse("meetings:activity"),
        reverse("people"),
    ]:
        phone.goto(url)
        phone.get_by_role("button", name="Menu").click()  # the header's targets too
        problems = phone.evaluate(SMALL_TARGETS) + [
            f"{id} apart from its label" for id in phone.evaluate(CHECKBOX_APART)
        ]
        if problems:
            found[url] = problems
    assert found == {}
