import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    """Accept only real IANA zone names (`Asia/Shanghai`), not abbreviations or offsets."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name, such as Asia/Shanghai or Europe/Berlin."),
            code="invalid_time_zone",
            params={"value": value},
        )


def validate_api_base(value: str) -> None:
    """DingTalk is reached over HTTPS; plain HTTP only to the local sandbox, in development."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname and not parts.path.strip("/") and not parts.query:
        return
    if (
        settings.DINGTALK_SANDBOX_ENABLED
        and parts.scheme == "http"
        and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    ):
        return
    raise ValidationError(
        _("Enter an HTTPS base URL such as https://api.dingtalk.com or https://api.dingtalk.io."),
        code="invalid_api_base",
    )
