"""The zh_Hans catalog is complete, and the committed .mo is what the .po says (CI has no gettext)."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(path=PO):
    """(references, flags, msgid, msgstr) for each entry; plural entries give their first form."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        references, flags, fields, current = [], [], {}, None
        for line in block.splitlines():
            if line.startswith("#:"):
                references += line[2:].split()
            elif line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif match := re.match(r'^(msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\]) "(.*)"$', line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"'):
                fields[current] += line[1:-1]
        unescape = lambda text: re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)  # noqa: E731
        msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
        if fields.get("msgid"):
            entries.append((references, flags, unescape(fields["msgid"]), unescape(msgstr)))
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 100
    assert [msgid for _, flags, msgid, msgstr in entries if not msgstr or "fuzzy" in flags] == []


def test_placeholders_survive_translation():
    for _, _, msgid, msgstr in po_entries():
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr)), msgid


def test_the_compiled_catalog_matches_the_po_file():
    with open(PO.with_suffix(".mo"), "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = [msgid for _, flags, msgid, msgstr in po_entries() if catalog.gettext(msgid) != msgstr]
    assert stale == [], "run `python manage.py compilemessages` and commit the .mo"


def test_every_message_constant_has_a_chinese_translation():
    from django.utils import translation
    from django.utils.functional import Promise

    from meetings import messages

    constants = {name: value for name, value in vars(messages).items() if isinstance(value, Promise)}
    assert len(constants) > 30
    class AnyValue(dict):
        def __missing__(self, key):
            return 2

    with translation.override("en"):
        english = {name: value % AnyValue() for name, value in constants.items()}
    with translation.override("zh-hans"):
        untranslated = [name for name, value in constants.items() if value % AnyValue() == english[name]]
    assert untranslated == [], "run makemessages, translate in locale/zh_Hans, then compilemessages"


def test_the_catalog_of_what_django_lacks_is_complete_and_compiled():
    for domain in ("django", "djangojs"):
        po = Path(settings.BASE_DIR) / "locale_django" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        entries = po_entries(po)
        assert entries and [msgid for _, flags, msgid, msgstr in entries if not msgstr or "fuzzy" in flags] == []
        with open(po.with_suffix(".mo"), "rb") as mo:
            catalog = gettext.GNUTranslations(mo)
        assert [msgid for _, _, msgid, msgstr in entries if catalog.gettext(msgid) != msgstr] == [], domain
