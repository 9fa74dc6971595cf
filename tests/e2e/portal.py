"""A person at the portal over real HTTP: log in, open a page, submit its form, read what is shown."""

from __future__ import annotations

import html.parser

import requests


class Page(html.parser.HTMLParser):
    """What a rendered page shows: the form's input values, the messages, the field errors."""

    def __init__(self, response: requests.Response):
        super().__init__()
        self.status, self.url = response.status_code, response.url
        self.html = response.text
        self.forms: list[dict] = []  # {"action": ..., "values": {name: value}}, in page order
        self.messages: list[tuple[str, str]] = []  # (level, text): ("error", "DingTalk had ...")
        self.next_steps: list[str] = []  # the controls a message offers: ["Try again"]
        self.errors: list[str] = []
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, kind, text pieces) of what is being read
        self.feed(response.text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "values": {}})
        elif tag == "input" and attrs.get("name") and self.forms:
            self.forms[-1]["values"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "p" and "next-step" in classes and self._open:
            self._open.append((tag, "next step", []))  # a control, not what the message says
        elif tag == "div" and "message" in classes:
            level = next(c.removeprefix("message-") for c in classes if c.startswith("message-"))
            self._open.append((tag, level, []))
        elif tag in ("div", "p") and "error" in classes and not self._open:
            self._open.append((tag, "error on the form", []))

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, kind, pieces = self._open.pop()
            text = " ".join("".join(pieces).split())
            if kind == "error on the form":
                self.errors.append(text)
            elif kind == "next step":
                self.next_steps.append(text)
            else:
                self.messages.append((kind, text))

    def form_with(self, name: str) -> dict:
        """The first form with an input called `name`."""
        return next(form for form in self.forms if name in form["values"])

    def value(self, name: str) -> str:
        """What the input called `name` holds, as the page shows it."""
        return self.form_with(name)["values"][name]


class Portal:
    """One person's browser session (cookies, CSRF token) against a live server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False

    def get(self, path: str) -> Page:
        return Page(self.session.get(self.base_url + path, timeout=30))

    def submit(self, page: Page, fields: dict[str, str], *, action: str | None = None) -> Page:
        """Post a form of the page, with its hidden fields (the CSRF token too) and `fields` typed in, and
        follow the redirect. The form is the one posting to `action`, else the first with `fields`' first."""
        if action is None:
            form = page.form_with(next(iter(fields)))
        else:
            form = next(form for form in page.forms if form["action"] == action)
        url = requests.compat.urljoin(page.url, form["action"])
        return Page(self.session.post(url, data={**form["values"], **fields}, timeout=30))

    def log_in(self, username: str, password: str) -> Page:
        login = self.get("/accounts/login/")
        page = self.submit(login, {"username": username, "password": password})
        assert "/accounts/login/" not in page.url, page.messages or page.errors
        return page
