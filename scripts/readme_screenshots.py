"""Retake the README's screenshots (docs/screenshots/) from the demo people see with `make run`.

Start the demo first, on its own database and ports, then run this with the same ports:

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py rundemo \
        --port 8100 --sandbox-port 8101 --state-file /tmp/demo-sandbox.json
    .venv/bin/python scripts/readme_screenshots.py --port 8100 --sandbox-port 8101

It logs in as the demo's admin, and takes the meeting list, the typo meeting fixed and saved, and a
DingTalk error (armed with the sandbox control page's "Fail the next save with… systemError" button); then
signing in with DingTalk: the login page, the sandbox's DingTalk login page, Han Meimei waiting for approval
and Li Lei's /people/ page with her form (run it on a fresh demo, where she has not asked yet).
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sandbox-port", type=int, default=8001)
    parser.add_argument("--chromium", default=CHROMIUM)
    arguments = parser.parse_args()
    portal, sandbox = f"http://127.0.0.1:{arguments.port}", f"http://127.0.0.1:{arguments.sandbox_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=arguments.chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
        page.goto(portal + "/accounts/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("dingtalk-demo")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(portal + "/meetings/")
        page.screenshot(path=SCREENSHOTS / "list.png", full_page=True)

        page.get_by_role("link", name="Design reveiw").click()
        page.get_by_label("Title").fill("Design review")
        page.get_by_role("button", name="Save to DingTalk").click()
        page.get_by_role("status").filter(has_text="Saved.").wait_for()
        page.screenshot(path=SCREENSHOTS / "edit.png", full_page=True)

        control = browser.new_page()
        control.goto(sandbox + "/_sandbox/")
        control.get_by_role("button", name="systemError").first.click()
        control.close()
        page.get_by_label("Title").fill("Design review (final)")
        page.get_by_label("Start").fill(page.get_by_label("Start").input_value()[:11] + "09:30")
        page.get_by_role("button", name="Save to DingTalk").click()
        page.get_by_role("alert").wait_for()
        page.screenshot(path=SCREENSHOTS / "error.png", full_page=True)
        sign_in_with_dingtalk(browser, portal)
        browser.close()


def sign_in_with_dingtalk(browser, portal):
    """The login page with both ways in, the sandbox's DingTalk login page, Han Meimei waiting, and Li Lei
    (Demo Shanghai's office admin) seeing her at /people/."""
    han = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
    han.goto(portal + "/accounts/login/")
    han.screenshot(path=SCREENSHOTS / "signin.png", full_page=True)
    han.get_by_role("button", name="Sign in with DingTalk").click()
    han.wait_for_url("**/oauth2/auth?**")
    han.screenshot(path=SCREENSHOTS / "signin-dingtalk.png", full_page=True)
    han.get_by_role("button", name="韩梅梅 Han Meimei").click()
    han.get_by_role("status").wait_for()
    han.screenshot(path=SCREENSHOTS / "signin-waiting.png", full_page=True)
    han.close()
    lei = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
    lei.goto(portal + "/accounts/login/")
    lei.get_by_role("button", name="Sign in with DingTalk").click()
    lei.get_by_role("button", name="李雷 Li Lei").click()
    lei.wait_for_url(portal + "/meetings/")
    lei.goto(portal + "/people/")
    lei.screenshot(path=SCREENSHOTS / "people.png", full_page=True)
    lei.close()


if __name__ == "__main__":
    main()
