"""A sentence names the zone once, in words, without brackets inside brackets (issue 22: zones in words)."""

import responses

from tests.helpers import UPDATE_URL, dingtalk_has, edit_url, opened_form, shown_messages


@responses.activate
def test_the_saved_message_names_the_zone_after_the_times(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, json={"success": True})
    form = {**opened_form(alice_client, meeting), "title": "Weekly sync v2"}

    response = alice_client.post(edit_url(meeting), form, follow=True)

    [saved] = [text for text in shown_messages(response) if text.startswith("Saved.")]
    assert saved.endswith(", Beijing time (UTC+8).")
    assert "((" not in saved and "))" not in saved
