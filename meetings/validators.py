import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from . import texts


def validate_time_zone(value: str) -> None:
    """Accept only real IANA zone names (`Asia/Shanghai`), not abbreviations or offsets."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(texts.TIME_ZONE_INVALID, code="invalid_time_zone", params={"value": value})


def validate_api_base(value: str) -> None:
    """DingTalk is reached over HTTPS; plain HTTP only to the local sandbox, in development."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname and not parts.path.strip("/") and not parts.query:
        return
    if (
        settings.DINGTALK_SANDBOX_ENABLED
        and parts.scheme == "http"
        and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    ):
        return
    raise ValidationError(texts.API_BASE_INVALID, code="invalid_api_base")
