"""`{% zoned_time moment organization %}`: every time the portal shows is in the organization's time zone,
and says which in words a person knows: <time datetime="2027-03-15T10:00:00+01:00">2027-03-15 10:00</time>
Berlin time (UTC+1). `{{ organization|zone_name }}`: the zone alone, with its offset now."""

import datetime

from django import template
from django.utils.html import format_html

from .. import texts

register = template.Library()

MINUTES, SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"


def zoned_time_html(moment, organization, *, seconds: bool = False) -> str:
    if moment is None:
        return ""
    # No organization (a page for someone who has none): UTC, said so.
    local = texts.localtime_or_none(moment, organization.zone) if organization is not None else None
    zone_name = texts.zone_name(organization.time_zone, moment) if local is not None else "UTC"
    if local is None:
        # A time the zone cannot show (DingTalk once sent 9999-12-31 20:00 UTC): in UTC, said so, not a 500.
        local, zone_name = moment.astimezone(datetime.UTC), "UTC"
    return format_html(
        '<time datetime="{}">{}</time> <span class="zone">{}</span>',
        local.isoformat(),
        local.strftime(SECONDS if seconds else MINUTES),
        zone_name,
    )


@register.simple_tag
def zoned_time(moment, organization, seconds=False):
    return zoned_time_html(moment, organization, seconds=seconds)


@register.filter
def zone_name(organization):
    return texts.zone_name(organization.time_zone)
