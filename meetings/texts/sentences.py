"""A sentence kept as its code and parameters, written out in the language of whoever reads it.

What a background job stores for people to read later (an import line's reason) is a `Sentence`: the name
of a constant of `meetings.texts` (its code) and the values it names. Stored as data (`as_data`), it is
written out when a page is shown (`str`), in the reader's language, not in the language of whoever started
the job. A parameter may itself need words: another `Sentence`, a `Zone` or verbose field names (`Fields`).
"""

from __future__ import annotations

import datetime

from django.utils.functional import Promise

__all__ = ["Fields", "Sentence", "Zone", "sentence_code", "sentence_from_text", "shown"]


def sentence_code(constant: Promise) -> str:
    """The name of a constant of `meetings.texts`: its code in stored data."""
    from meetings import texts

    for name, value in vars(texts).items():
        if value is constant:
            return name
    raise ValueError(f"not a constant of meetings.texts: {constant!r}")


class Sentence:
    """`texts.<code> % params`, written in the active language whenever it is made a string. `Sentence(a,
    b)` with several parts writes them one after the other (a sentence, then its request ID)."""

    def __init__(self, code: str | Promise, params: dict | None = None, *, parts: list[Sentence] | None = None):
        self.code = code if isinstance(code, str) or code is None else sentence_code(code)
        self.params = params or {}
        self.parts = parts or []

    @classmethod
    def joined(cls, *parts: Sentence) -> Sentence:
        return cls(None, parts=list(parts))

    def __str__(self) -> str:
        from meetings import texts

        if self.parts:
            return " ".join(str(part) for part in self.parts)
        params = {name: str(value) if hasattr(value, "as_data") else value for name, value in self.params.items()}
        return str(getattr(texts, self.code) % params if params else getattr(texts, self.code))

    def __eq__(self, other):
        return isinstance(other, Sentence) and self.as_data() == other.as_data()

    def __repr__(self):
        return f"Sentence({self.as_data()!r})"

    def as_data(self) -> dict:
        if self.parts:
            return {"parts": [part.as_data() for part in self.parts]}
        params = {name: value.as_data() if hasattr(value, "as_data") else value for name, value in self.params.items()}
        return {"code": self.code, "params": params}

    @classmethod
    def from_data(cls, data: dict) -> Sentence:
        if "parts" in data:
            return cls.joined(*(cls.from_data(part) for part in data["parts"]))
        return cls(data["code"], {name: _value(value) for name, value in data.get("params", {}).items()})


class Zone:
    """A time zone in the words the forms use ("Beijing time (UTC+8)"), with its offset at `at`."""

    def __init__(self, time_zone: str, at: datetime.datetime | None = None):
        self.time_zone, self.at = time_zone, at

    def __str__(self) -> str:
        from .formatting import zone_name

        return zone_name(self.time_zone, self.at)

    def as_data(self) -> dict:
        return {"zone": self.time_zone, "at": self.at.isoformat() if self.at else None}


class Fields:
    """An organization's fields by their verbose names, in the reader's language: "App key, App secret"."""

    def __init__(self, names: list[str]):
        self.names = list(names)

    def __str__(self) -> str:
        from meetings.models import Organization

        return ", ".join(str(Organization._meta.get_field(name).verbose_name) for name in self.names)

    def as_data(self) -> dict:
        return {"fields": self.names}


def _value(value):
    if not isinstance(value, dict):
        return value
    if "zone" in value:
        return Zone(value["zone"], datetime.datetime.fromisoformat(value["at"]) if value["at"] else None)
    if "fields" in value:
        return Fields(value["fields"])
    return Sentence.from_data(value)


def shown(data: dict | None, stored: str) -> str:
    """A stored sentence in the reader's language; `stored`, the text as written then, for rows kept before
    sentences were stored as codes (or whose code no longer exists)."""
    if not data:
        return stored
    try:
        return str(Sentence.from_data(data))
    except (AttributeError, KeyError, TypeError, ValueError):
        return stored


# What the portal wrote as text before it kept codes, and may still be read back as a sentence: the reasons
# an import line, a renamed meeting or a failed DingTalk call gave, whose parameters are plain values.
KNOWN_CODES = (
    "IMPORT_LINE_UNREADABLE",
    "MEETING_NUMBER_UNKNOWN",
    "IMPORT_SEVERAL",
    "IMPORT_CREATOR_UNKNOWN",
    "IMPORT_CREATOR_REFUSED",
    "MEETING_ALREADY_IN_PORTAL",
    "MEETING_ALREADY_ELSEWHERE",
    "CONFERENCE_ALREADY_REGISTERED",
    "CREATOR_UNKNOWN",
    "CREATOR_REFUSED",
    "LOOKUP_NO_SUCH_CONFERENCE",
    "BULK_NOT_ALLOWED",
    "BULK_WORKER_STOPPED",
    "BULK_ALREADY_RENAMED",
    "BULK_TITLE_CHANGED",
    "BULK_UNEXPECTED",
    "PARAMS_ERROR",
    "PERMISSION_ERROR",
    "RESOURCE_CANCEL",
    "SYSTEM_ERROR",
    "THROTTLED",
    "MONTHLY_QUOTA",
    "BAD_REPLY",
    "CONNECTION_REFUSED",
    "CONNECTION_DROPPED",
    "TIMEOUT",
    "SAVE_REFUSED_CHANGE_CREATOR",
    "REQUEST_ID_SUFFIX",
)
LANGUAGES = ("en", "zh-hans")


def sentence_from_text(text: str) -> Sentence | None:
    """The sentence a stored text was written from, in English or Chinese (KNOWN_CODES, or several of
    them one after the other); None when it is none of them."""
    patterns = _patterns()
    found, rest = [], text.strip()
    while rest:
        for code, pattern in patterns:
            match = pattern.match(rest)
            if match and (match.end() == len(rest) or rest[match.end()] == " "):
                found.append(Sentence(code, match.groupdict()))
                rest = rest[match.end() :].lstrip()
                break
        else:
            return None
    if not found:
        return None
    return found[0] if len(found) == 1 else Sentence.joined(*found)


def _patterns() -> list:
    import re

    from django.utils import translation

    from meetings import texts

    patterns = []
    for language in LANGUAGES:
        with translation.override(language):
            for code in KNOWN_CODES:
                constant = getattr(texts, code, None)
                if constant is None:
                    continue
                pieces = re.split(r"(%\(\w+\)[sd])", str(constant))
                regex = "".join(
                    f"(?P<{piece[2:-2]}>.+?)" if re.fullmatch(r"%\(\w+\)[sd]", piece) else re.escape(piece)
                    for piece in pieces
                )
                patterns.append((code, re.compile(regex)))
    return patterns
