"""Hostile query strings, generated: the list, the activity page and its CSV never fail with a 500."""

import pytest
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from meetings.models import MeetingChange
from tests.meetings.strategies import PROPERTY, any_character, tricky_character

# Each example may leave attempts behind; the fixture empties the table after the test.
pytestmark = pytest.mark.usefixtures("no_stale_changes")

# --- the list, activity and CSV query strings ---------------------------------------------------------

# Any text a URL can carry, and the kinds of value each filter expects, with their edges.
query_values = st.one_of(
    st.text(any_character, max_size=30),
    st.lists(tricky_character, max_size=10).map("".join),
    st.integers().map(str),
    st.sampled_from(["0", "-1", "2147483648", "9" * 20, "1e3", "0x10", "\x00"]),
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "1969-12-31", "1970-01-01", "2026-02-30", "２０２６-01-01"]),
)
list_queries = st.fixed_dictionaries({}, optional={"q": query_values, "page": query_values})
activity_queries = st.fixed_dictionaries(
    {},
    optional={
        name: query_values | st.just("1")
        for name in ("organization", "person", "outcome", "date_from", "date_to", "page")
    },
)


@pytest.fixture
def activity_client(office_admin_client, office_admin, meeting):
    """An office admin who may see the activity log, with one attempt on record."""
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome="success",
        new_title="Weekly sync v2",
    )
    return office_admin_client


@example(params={"q": "\x00"})  # PostgreSQL refuses NUL in a string: a 500 before issue 15
@PROPERTY
@given(params=list_queries)
def test_the_list_survives_any_query_string(alice_client, meeting, params):
    response = alice_client.get(reverse("meetings:list"), params)

    assert response.status_code in (200, 404), "a page past the end is a 404, anything else a page"


@example(params={"date_to": "9999-12-31"}, url_name="meetings:activity_csv")
@example(params={"date_from": "0001-01-01"}, url_name="meetings:activity")
@PROPERTY
@given(params=activity_queries, url_name=st.sampled_from(["meetings:activity", "meetings:activity_csv"]))
def test_the_activity_page_and_its_csv_survive_any_query_string(activity_client, params, url_name):
    response = activity_client.get(reverse(url_name), params)

    assert response.status_code in (200, 404)
    if response["Content-Type"].startswith("text/csv"):
        event("exported")
        lines = response.content.decode("utf-8").splitlines()
        assert lines and lines[0].startswith("\ufeff"), "an export always has its header"
    elif response.status_code == 200 and response.context["filter_form"].errors:
        event("form error")
