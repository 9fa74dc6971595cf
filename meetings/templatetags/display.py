"""Filters that show stored values safely, whatever DingTalk once sent: `{% load display %}`.

- `moment`: a time in the template's current zone (`{% timezone %}`), like `date`, but a time the zone
  cannot show (9999-12-31 20:00 UTC is the year 10000 in Shanghai) is shown in UTC, marked so, instead
  of failing the whole page.
- `reveal`: text with its invisible formatting characters (right-to-left overrides, zero-width
  characters) shown as visible codes, so a title cannot disguise itself in a list.
"""

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

from .. import texts, validators

register = template.Library()


@register.filter(expects_localtime=False)
def moment(value, format_string="Y-m-d H:i"):
    if not isinstance(value, datetime.datetime):
        return ""
    local = texts.localtime_or_none(value, timezone.get_current_timezone())
    if local is not None:
        return dateformat.format(local, format_string)
    in_utc = dateformat.format(value.astimezone(datetime.UTC), format_string)
    return in_utc if format_string == "c" else f"{in_utc} UTC"


@register.filter
def person(user):
    """The person's name as the portal shows it: their DingTalk name, else their username."""
    return texts.person_name(user)


@register.filter
def reveal(value):
    return validators.reveal_invisible("" if value is None else str(value))


@register.simple_tag
def message_html(message):
    """A message with DingTalk's request ID ("DingTalk request ID: …") moved to its end, in small print:
    people read what happened; helpdesk still finds the ID."""
    text, request_id = texts.split_request_id(str(message))
    if not request_id:
        return text
    return format_html(
        '{} <small class="request-id">{}</small>', text, texts.REQUEST_ID_SUFFIX % {"request_id": request_id}
    )


@register.simple_tag
def code_name(code):
    """A DingTalk or wire code as words in the reader's language. The portal's own names ("DingTalkTimeout")
    are never shown; DingTalk's code is the tooltip, for someone asking DingTalk about it. A code without
    words (one DingTalk added since) is shown as it is."""
    label = texts.CODE_LABELS.get(code)
    if label is None:
        return format_html("<code>{}</code>", code)
    if code in texts.PORTAL_CODE_LABELS:
        return format_html("{}", label)
    return format_html('<span title="{}">{}</span>', code, label)
