"""A Chinese page names DingTalk's IDs in Chinese (issue 22: "创建者 unionId" read as mixed language)."""

from html import unescape

from django.urls import reverse


def test_the_change_creator_page_names_the_creator_in_chinese(alice_client, meeting):
    url = reverse("meetings:creator", args=[meeting.pk])

    page = unescape(alice_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())

    assert "已保存的创建者的钉钉用户 ID" in page
    assert "unionId" not in page
