"""A sentence kept as its code and parameters, written out in the language of whoever reads it.

What a background job stores for people to read later (an import line's reason) is a `Sentence`: the name
of a constant of `meetings.texts` (its code) and the values it names. Stored as data (`as_data`), it is
written out when a page is shown (`str`), in the reader's language, not in the language of whoever started
the job. A parameter may itself need words: another `Sentence`, a `Zone` or verbose field names (`Fields`).
"""

from __future__ import annotations

import datetime

from django.utils.functional import Promise

__all__ = ["Fields", "Sentence", "Zone", "sentence_code", "shown"]


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
