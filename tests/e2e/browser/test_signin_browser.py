"""Sign in with DingTalk in Chromium, through the sandbox's login page: the waiting and the refusal pages
in English and Chinese, on two phones and a desktop, checked like every other page (axe-core, the width)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation

from dingtalk_sandbox import DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET, UNKNOWN_CORP_ID, LoginPerson
from meetings import texts

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
LANGUAGES = {"en": "en-GB", "zh-hans": "zh-CN"}
CORP_ID = "ding-browser-berlin"
MEI = LoginPerson("browser-union-mei", "王美 Mei", CORP_ID, "Berlin Office")
STRANGER = LoginPerson("browser-union-stranger", "Stranger", UNKNOWN_CORP_ID, "Other Company")


@pytest.fixture
def dingtalk_login(settings, sandbox, live_server, organization):
    settings.DINGTALK_LOGIN_CLIENT_ID = DEMO_LOGIN_CLIENT_ID
    settings.DINGTALK_LOGIN_CLIENT_SECRET = DEMO_LOGIN_CLIENT_SECRET
    settings.DINGTALK_LOGIN_URL = sandbox.base_url + "/oauth2/auth"
    settings.DINGTALK_LOGIN_API_BASE = sandbox.base_url
    for person in (MEI, STRANGER):
        sandbox.state.signin.add_person(person)
    organization.corp_id = CORP_ID
    organization.save(update_fields=["corp_id"])


def violations(page):
    """What axe-core finds, and a page wider than the screen (what a phone must never scroll sideways)."""
    results = Axe().run(page, options=AXE_OPTIONS)
    width, screen = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    too_wide = [f"{width} px wide on a {screen} px screen"] if width > screen else []
    return too_wide + [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def sign_in_as(page, person, language):
    page.goto(reverse("login"))
    with translation.override(language):
        button = str(texts.SIGN_IN_WITH_DINGTALK)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    assert "/oauth2/auth" in page.url
    with page.expect_navigation(url=lambda url: "/accounts/dingtalk/login/callback/" in url):
        page.locator(f"form:has(input[name=union_id][value='{person.union_id}']) button").click()


@pytest.mark.parametrize("width", [360, 390, 1440])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_waiting_and_refusal_pages_speak_the_language_and_pass_axe(
    chromium, live_server, dingtalk_login, language, width
):
    context = chromium.new_context(
        base_url=live_server.url, locale=LANGUAGES[language], viewport={"width": width, "height": 800}
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(reverse("login"))
        assert violations(page) == []
        sign_in_as(page, MEI, language)
        with translation.override(language):
            assert page.locator("main p.lead").inner_text() == texts.SIGN_IN_PENDING % {"nick": MEI.nick}
        assert violations(page) == []
        sign_in_as(page, STRANGER, language)
        with translation.override(language):
            assert page.locator("main p.lead").inner_text() == str(texts.SIGN_IN_UNKNOWN_CORP)
        assert violations(page) == []
    finally:
        context.close()
