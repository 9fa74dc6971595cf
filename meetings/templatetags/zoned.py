"""`{% zoned_time moment organization %}`: every time the portal shows is in the organization's time zone,
and says which: <time datetime="2027-03-15T10:00:00+01:00">2027-03-15 10:00</time> Europe/Berlin."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

MINUTES, SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"


def zoned_time_html(moment, organization, *, seconds: bool = False) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, organization.zone)
    return format_html(
        '<time datetime="{}">{}</time> <span class="zone">{}</span>',
        local.isoformat(),
        local.strftime(SECONDS if seconds else MINUTES),
        organization.time_zone,
    )


@register.simple_tag
def zoned_time(moment, organization, seconds=False):
    return zoned_time_html(moment, organization, seconds=seconds)
