import pytest

from meetings import dingtalk
from tests.helpers import API_BASE


@pytest.fixture
def dingtalk_client(settings):
    """A client of the fake DingTalk at API_BASE (faked with `responses`)."""
    return dingtalk.client_for(API_BASE)
