"""A form with errors says so at the top of the page (templates/meetings/_error_summary.html): announced,
focused, one link to each field with an error. A form without errors puts the cursor where the work is."""

import re

from django.test import Client
from django.urls import reverse

from meetings import texts
from tests.helpers import grant

SUMMARY = re.compile(
    r'<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>'
    r'\s*<h2 id="error-summary-title">There is a problem</h2>\s*<ul>(.*?)</ul>',
    re.S,
)


def summary(response):
    match = SUMMARY.search(response.content.decode())
    return match and re.findall(r"<li>(.*?)</li>", match.group(1))


def test_the_edit_page_opens_with_the_cursor_in_the_title(alice_client, meeting):
    response = alice_client.get(reverse("meetings:edit", args=[meeting.pk]))
    html = response.content.decode()

    assert summary(response) is None
    assert re.search(r'<input type="text" name="title"[^>]* autofocus', html)
    assert html.count("autofocus") == 1


def test_the_summary_links_each_error_to_its_field_and_takes_the_focus(alice_client, meeting):
    data = {"title": "", "start_time": "2026-12-01T14:00", "end_time": "2026-12-01T13:00", "version": 1}

    response = alice_client.post(reverse("meetings:edit", args=[meeting.pk]), data, follow=True)

    assert summary(response) == [
        # Each names its field: "This field is required." alone says not which.
        f'<a href="#id_title">Title: {texts.TITLE_REQUIRED}</a>',
        f'<a href="#id_end_time">End: {texts.END_NOT_AFTER_START}</a>',
    ]
    assert response.content.decode().count("autofocus") == 1  # the summary's, not the title's


def test_an_error_of_the_whole_form_is_listed_without_a_link(alice_client, meeting):
    data = {"title": "Weekly sync", "start_time": "2026-12-01T10:00", "end_time": "2026-12-01T11:00", "version": ""}

    response = alice_client.post(reverse("meetings:edit", args=[meeting.pk]), data, follow=True)

    assert summary(response) == [str(texts.FORM_OUT_OF_DATE)]


def test_the_add_and_login_forms_and_the_activity_filters_use_it_too(alice_client, office_admin):
    grant(office_admin, "view_activity")
    added = alice_client.post(
        reverse("meetings:add"), {"organization": "", "schedule_conference_id": "", "creator_union_id": "x"}
    )
    filtered = alice_client.get(reverse("meetings:activity"), {"date_from": "yesterday"})
    login = Client().post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert summary(added) == [
        '<a href="#id_organization">Organization: This field is required.</a>',
        f'<a href="#id_schedule_conference_id">Conference ID: {texts.CONFERENCE_ID_REQUIRED}</a>',  # its own words
    ]
    assert summary(filtered) == [f'<a href="#id_date_from">From: {texts.DATE_INVALID}</a>']
    assert len(summary(login)) == 1 and "correct username and password" in summary(login)[0]


def test_the_booking_settings_import_creator_and_bulk_rename_forms_use_it_too(alice_client, office_admin, meeting):
    grant(office_admin, "bulk_rename_meetings")
    booked = alice_client.post(reverse("meetings:create"), {"organization": "", "title": ""})
    imported = alice_client.post(reverse("meetings:import"), {"organization": "", "lines": ""})
    creator = alice_client.post(reverse("meetings:creator", args=[meeting.pk]), {"creator_union_id": "not one!"})
    renamed = alice_client.get(reverse("meetings:bulk_rename"), {"find": "", "replace": "x"})

    assert f'<a href="#id_title">Title: {texts.TITLE_REQUIRED}</a>' in summary(booked)
    assert summary(imported) and summary(imported)[0].startswith('<a href="#id_organization">Organization: ')
    assert summary(creator) and summary(creator)[0].startswith('<a href="#id_creator_union_id">')
    assert summary(renamed) and summary(renamed)[0].startswith('<a href="#id_find">')
