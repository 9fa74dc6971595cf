"""Inputs several forms share: an organization of the person's, a meeting's title and times as DingTalk takes them."""

import datetime
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import texts, validators
from ..dingtalk import TITLE_MAX_LENGTH
from ..models import Organization

# What a `datetime-local` input posts; the forms still take it (scripts and older pages send it).
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# How the pages show and ask for a time, whatever the browser's language: 24-hour, ISO order.
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# Also digits only, as a phone's number pad types them: 202703151000, 20270315 1000.
INPUT_FORMATS = (
    DATETIME_FORMAT,
    DATETIME_LOCAL_FORMAT,
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H%M",
    "%Y%m%d %H%M",
    "%Y%m%d%H%M",
)


def organization_field(**kwargs) -> forms.ModelChoiceField:
    """One of the person's organizations: the form sets `queryset` to them; any other is refused."""
    return forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": texts.ORGANIZATION_NOT_ALLOWED},
        **kwargs,
    )


class LocalDateTimeField(forms.Field):
    """A text input of a date and time (YYYY-MM-DD HH:MM, 24-hour) read as wall-clock time in one
    organization's time zone. Not the browser's `datetime-local`: that one shows the browser's own format
    (mm/dd/yyyy, AM/PM) and takes a Tab stop per part.

    A time the zone skips (spring forward) or repeats (fall back) is refused, not guessed; so are digits
    other than 0-9 (full-width ones read as numbers otherwise) and a time before 1970 in UTC.
    """

    widget = forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "pattern": r"\d{4}-?\d{2}-?\d{2}[ T]?\d{2}:?\d{2}",
            "placeholder": "YYYY-MM-DD HH:MM",
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "datetime",
        }
    )
    default_error_messages = {
        "required": texts.TIME_REQUIRED,
        "invalid": texts.TIME_INVALID,
        "nonexistent": texts.TIME_NONEXISTENT,
        "ambiguous": texts.TIME_AMBIGUOUS,
        "out_of_range": texts.TIME_OUT_OF_RANGE,
        "fullwidth_digits": texts.TIME_FULLWIDTH_DIGITS,
        "before_1970_utc": texts.TIME_BEFORE_1970_UTC,
    }

    def __init__(self, *, zone: zoneinfo.ZoneInfo | None = None, **kwargs):
        self.zone = zone or zoneinfo.ZoneInfo("UTC")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                # A stored time this zone cannot show (year 10000 there) is shown in UTC, not a crash;
                # saving it back is refused by to_python's range check.
                value = texts.localtime_or_none(value, self.zone) or value.astimezone(datetime.UTC)
            return value.strftime(DATETIME_FORMAT)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value
        text = str(value).strip()
        if not text.isascii() and any(character.isdigit() for character in text):
            raise forms.ValidationError(self.error_messages["fullwidth_digits"], code="fullwidth_digits")
        for input_format in INPUT_FORMATS:
            try:
                naive = datetime.datetime.strptime(text, input_format)
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not validators.FIRST_YEAR <= naive.year <= validators.LAST_YEAR:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        moment = self._localize(naive)
        if moment < validators.EPOCH:  # 1970-01-01 00:00 in Shanghai is 1969 in UTC
            raise forms.ValidationError(
                self.error_messages["before_1970_utc"],
                code="before_1970_utc",
                params={"value": naive.strftime("%Y-%m-%d %H:%M"), "time_zone": texts.zone_name(self.zone.key, moment)},
            )
        return moment

    def _localize(self, naive: datetime.datetime) -> datetime.datetime:
        earlier = naive.replace(tzinfo=self.zone, fold=0)
        later = naive.replace(tzinfo=self.zone, fold=1)
        params = {"value": naive.strftime("%Y-%m-%d %H:%M"), "time_zone": texts.zone_name(self.zone.key, earlier)}
        if earlier.utcoffset() != later.utcoffset():
            round_trip = earlier.astimezone(datetime.UTC).astimezone(self.zone).replace(tzinfo=None)
            code = "nonexistent" if round_trip != naive else "ambiguous"
            raise forms.ValidationError(self.error_messages[code], code=code, params=params)
        return earlier


def title_field() -> forms.CharField:
    """A meeting's title; TitleAndTimesMixin.clean_title trims and checks it (validators.clean_meeting_title)."""
    return forms.CharField(
        label=_("Title"),
        strip=False,
        error_messages={"required": texts.TITLE_REQUIRED},
        # No maxlength: it would cut a pasted title silently. static/js/title-count.js counts as one types and
        # refuses the character past the limit with a message; clean_title refuses it without the script.
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-max-length": TITLE_MAX_LENGTH,
                "data-count-text": texts.TITLE_COUNT,
                "data-refused-text": texts.TITLE_CHARACTER_REFUSED,
            }
        ),
    )


def start_and_end_fields() -> tuple[LocalDateTimeField, LocalDateTimeField]:
    """A meeting's start and end; the form sets their `zone` to the organization's."""
    return LocalDateTimeField(label=_("Start")), LocalDateTimeField(label=_("End"))


class TitleAndTimesMixin:
    """The rules for a meeting's `title` (title_field) and times (start_and_end_fields), written once for the
    forms that edit and book a meeting. The form's error_messages include these."""

    # The title's own rules, and their messages, are validators.clean_meeting_title's (bulk rename's too).
    error_messages = {
        "end_not_after_start": texts.END_NOT_AFTER_START,
        "start_in_past": texts.START_IN_PAST,
    }
    time_fields = ("start_time", "end_time")
    # Set once the form has refused a start in the past: the template then shows `confirm_past`.
    asks_past_confirmation = False
    # The clock the past is measured by; tests/conftest.py pins it, so the suite does not depend on the date.
    now = staticmethod(timezone.now)

    def clean_title(self):
        return validators.clean_meeting_title(self.cleaned_data["title"])

    def check_not_in_past(self, cleaned: dict, *, zone, confirm_label) -> None:
        """A start in the past is allowed, but never by a slip of the keyboard: it asks first (confirm_past)."""
        start = cleaned.get("start_time")
        if start is None or start >= self.now():
            return
        self.asks_past_confirmation = True
        if cleaned.get("confirm_past"):
            return
        self.add_error(
            "start_time",
            forms.ValidationError(
                self.error_messages["start_in_past"],
                code="start_in_past",
                params={
                    "now": timezone.localtime(self.now(), zone).strftime("%Y-%m-%d %H:%M"),
                    "time_zone": texts.zone_name(zone.key),
                    "confirm": confirm_label,
                },
            ),
        )

    def check_end_after_start(self, cleaned: dict) -> None:
        """Called by the form's clean() where its order of checks wants it."""
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error(
                "end_time",
                forms.ValidationError(self.error_messages["end_not_after_start"], code="end_not_after_start"),
            )
