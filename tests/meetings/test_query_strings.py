"""Query strings and posted values no database can take are form errors, not 500s (issue 15, point 4).

Each case failed on SQLite, PostgreSQL or both; the suite runs on both (docs/developing.md, "Tests on SQLite and
PostgreSQL"). tests/meetings/test_properties_query_strings.py throws generated query strings at the same pages.
"""

import pytest
from django.urls import reverse

from meetings import texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import post_edit


@pytest.mark.parametrize("query", ["\x00", "sync\x00", "a\x1fb"])
def test_a_search_with_control_characters_is_a_form_error(alice_client, meeting, query):
    response = alice_client.get(reverse("meetings:list"), {"q": query})

    assert response.status_code == 200
    assert response.context["search_form"].errors["q"] == [texts.SEARCH_INVALID]
    assert list(response.context["meetings"]) == []


def test_an_ordinary_search_still_finds(alice_client, meeting):
    response = alice_client.get(reverse("meetings:list"), {"q": " weekly "})

    assert list(response.context["meetings"]) == [meeting]


@pytest.mark.parametrize("version", ["2147483648", "99999999999999999999", "-1", "0"])
def test_a_version_no_column_holds_is_an_out_of_date_form(alice_client, meeting, version):
    response = post_edit(alice_client, meeting, title="Weekly sync v2", version=version)

    assert response.status_code == 200
    assert response.context["form"].errors["version"] == [texts.FORM_OUT_OF_DATE]
    assert not MeetingChange.objects.exists()
    assert Meeting.objects.get().title == "Weekly sync"


@pytest.mark.parametrize("url_name", ["meetings:activity", "meetings:activity_csv"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_from", "0001-01-01"),
        ("date_from", "9999-12-31"),
        ("date_to", "0001-01-01"),
        ("date_to", "1969-12-31"),
    ],
)
def test_dates_no_calendar_holds_in_every_zone_are_a_form_error(office_admin_client, meeting, url_name, field, value):
    response = office_admin_client.get(reverse(url_name), {field: value})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")  # the page with the error, not an export
    assert response.context["filter_form"].errors[field] == [texts.DATE_OUT_OF_RANGE]
