"""A request in Chinese through the test client does not leave Chinese active for the next test.

The two tests run in this order (pytest keeps a file's order). Before tests/conftest.py's
`default_language`, the second failed after the first, as tests/e2e/test_power_tools.py failed after
tests/meetings/test_meeting_import.py (its Chinese progress page): the e2e test's expected sentences came
out in Chinese, the live server's pages in English.
"""

from django.utils import translation

from meetings import texts


def test_a_page_read_in_chinese(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录" in html


def test_the_next_test_starts_in_english():
    assert translation.get_language() == "en"
    assert str(texts.IMPORT_NOT_WAITING) == "This import is not waiting for a confirmation."
