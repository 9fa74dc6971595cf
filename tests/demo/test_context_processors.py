"""The menu links to the sandbox's control page in development only."""

from django.urls import reverse


def test_the_menu_links_to_the_sandbox_when_settings_give_its_address(alice_client, settings):
    settings.DINGTALK_SANDBOX_URL = "http://127.0.0.1:8001"
    html = alice_client.get(reverse("meetings:list")).content.decode()
    assert 'href="http://127.0.0.1:8001/_sandbox/"' in html


def test_there_is_no_link_otherwise(alice_client):
    html = alice_client.get(reverse("meetings:list")).content.decode()
    assert "/_sandbox/" not in html
