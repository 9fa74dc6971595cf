"""The zh_Hans catalog is complete, and the committed .mo is what the .po says (CI has no gettext)."""

import gettext
import re

from tests.helpers import PO, po_entries


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

    from meetings import texts

    constants = {name: value for name, value in vars(texts).items() if isinstance(value, Promise)}
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
        po = PO.parents[3] / "locale_django" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        entries = po_entries(po)
        assert entries and [msgid for _, flags, msgid, msgstr in entries if not msgstr or "fuzzy" in flags] == []
        with open(po.with_suffix(".mo"), "rb") as mo:
            catalog = gettext.GNUTranslations(mo)
        assert [msgid for _, _, msgid, msgstr in entries if catalog.gettext(msgid) != msgstr] == [], domain
