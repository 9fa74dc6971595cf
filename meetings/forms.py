import dataclasses
import datetime
import json
import re
import unicodedata
import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import dingtalk, services, texts, validators
from .dingtalk import TITLE_MAX_LENGTH, title_length
from .models import Meeting, MeetingChange, Organization
from .services.imports import MAX_LINES, import_lines
from .services.registration import meeting_number_digits

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = (DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def day_field(label) -> forms.DateField:
    """An optional day of a filter (activity, bulk rename), typed in the browser's date input."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": texts.DATE_INVALID},
    )


class LocalDateTimeField(forms.Field):
    """A `datetime-local` input read as wall-clock time in one organization's time zone.

    A time the zone skips (spring forward) or repeats (fall back) is refused, not guessed; so are digits
    other than 0-9 (full-width ones read as numbers otherwise) and a time before 1970 in UTC.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)
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
            return value.strftime(DATETIME_LOCAL_FORMAT)
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
                params={"value": naive.strftime("%Y-%m-%d %H:%M"), "time_zone": self.zone.key},
            )
        return moment

    def _localize(self, naive: datetime.datetime) -> datetime.datetime:
        earlier = naive.replace(tzinfo=self.zone, fold=0)
        later = naive.replace(tzinfo=self.zone, fold=1)
        params = {"value": naive.strftime("%Y-%m-%d %H:%M"), "time_zone": self.zone.key}
        if earlier.utcoffset() != later.utcoffset():
            round_trip = earlier.astimezone(datetime.UTC).astimezone(self.zone).replace(tzinfo=None)
            code = "nonexistent" if round_trip != naive else "ambiguous"
            raise forms.ValidationError(self.error_messages[code], code=code, params=params)
        return earlier


class MeetingForm(forms.Form):
    """Edit a meeting's title and times; times are read in the meeting's organization's zone."""

    title = forms.CharField(
        label=_("Title"),
        strip=False,
        error_messages={"required": texts.TITLE_REQUIRED},
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_LENGTH, "autocomplete": "off"}),
    )
    start_time = LocalDateTimeField(label=_("Start"))
    end_time = LocalDateTimeField(label=_("End"))
    # The meeting's version when the form was opened: a save based on an older one is refused.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        # Meeting.version's column (a 32-bit integer on PostgreSQL; SQLite's 64 bits fail later in Python).
        max_value=2**31 - 1,
        error_messages={
            "required": texts.FORM_OUT_OF_DATE,
            "invalid": texts.FORM_OUT_OF_DATE,
            "min_value": texts.FORM_OUT_OF_DATE,
            "max_value": texts.FORM_OUT_OF_DATE,
        },
    )
    # Shown once the form has refused a start in the past (`asks_past_confirmation`).
    confirm_past = forms.BooleanField(label=texts.CONFIRM_PAST_LABEL, required=False, initial=False)
    # A new token at every page load: the same form submitted twice is one save (services.edit_submission_start).
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    error_messages = {
        "title_blank": texts.TITLE_BLANK,
        "title_too_long": texts.TITLE_TOO_LONG,
        "title_control_characters": texts.TITLE_CONTROL_CHARACTERS,
        "title_invisible_characters": texts.TITLE_INVISIBLE_CHARACTERS,
        "end_not_after_start": texts.END_NOT_AFTER_START,
        "reschedule_not_allowed": texts.RESCHEDULE_NOT_ALLOWED,
        "start_in_past": texts.START_IN_PAST,
    }
    time_fields = ("start_time", "end_time")
    # The clock the past is measured by; tests/conftest.py pins it, so the suite does not depend on the date.
    now = staticmethod(timezone.now)

    def __init__(self, *args, meeting: Meeting, may_reschedule: bool, **kwargs):
        kwargs["initial"] = {
            "title": meeting.title,
            "start_time": meeting.starts_at,
            "end_time": meeting.ends_at,
            "version": meeting.version,
            "submission": services.edit_submission_key(),
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.may_reschedule = may_reschedule
        self.asks_past_confirmation = False
        if not self.is_bound:
            # The page is for changing the title, mostly: the cursor is there (a form with errors focuses
            # its error summary instead, templates/meetings/_error_summary.html).
            self.fields["title"].widget.attrs["autofocus"] = True
        for name in self.time_fields:
            self.fields[name].zone = meeting.organization.zone
            # The input shows the date in the browser's own format; the pages write it ISO-style.
            self.fields[name].help_text = texts.TIME_INPUT_HINT % {"time_zone": meeting.organization.time_zone}
            # Read-only for title fixers: a disabled field's posted value is ignored for the stored one.
            self.fields[name].disabled = not may_reschedule

    def clean_title(self):
        # Trim ordinary and full-width spaces at the ends; DingTalk shows them as part of the title.
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(self.error_messages["title_blank"], code="title_blank")
        if any(unicodedata.category(ch) == "Cc" for ch in title):
            raise forms.ValidationError(
                self.error_messages["title_control_characters"], code="title_control_characters"
            )
        if validators.has_invisible_formatting(title):
            raise forms.ValidationError(
                self.error_messages["title_invisible_characters"], code="title_invisible_characters"
            )
        length = title_length(title)
        if length > TITLE_MAX_LENGTH:
            raise forms.ValidationError(
                self.error_messages["title_too_long"],
                code="title_too_long",
                params={"limit": TITLE_MAX_LENGTH, "length": length},
            )
        return title

    def clean(self):
        cleaned = super().clean()
        if not self.may_reschedule and self._times_posted_differ():
            raise forms.ValidationError(self.error_messages["reschedule_not_allowed"], code="reschedule_not_allowed")
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error(
                "end_time",
                forms.ValidationError(self.error_messages["end_not_after_start"], code="end_not_after_start"),
            )
        if self.may_reschedule and start and start != self.meeting.starts_at and start < self.now():
            # Moving a meeting into the past is allowed, but never by a slip of the keyboard.
            self.asks_past_confirmation = True
            if not cleaned.get("confirm_past"):
                zone = self.meeting.organization.zone
                self.add_error(
                    "start_time",
                    forms.ValidationError(
                        self.error_messages["start_in_past"],
                        code="start_in_past",
                        params={
                            "now": timezone.localtime(self.now(), zone).strftime("%Y-%m-%d %H:%M"),
                            "time_zone": zone.key,
                            "confirm": texts.CONFIRM_PAST_LABEL,
                        },
                    ),
                )
        return cleaned

    def _times_posted_differ(self) -> bool:
        """A browser sends nothing for disabled inputs: posted times other than the shown ones were crafted."""
        for name in self.time_fields:
            field = self.fields[name]
            posted = self.data.get(self.add_prefix(name))
            if posted in field.empty_values:
                continue
            try:
                shown = field.to_python(field.prepare_value(self.get_initial_for_field(field, name)))
                if field.to_python(posted) != shown:
                    return True
            except forms.ValidationError:
                return True
        return False


class OrganizationForm(forms.Form):
    """A form for work in one of the person's organizations (`organizations`), preselected when there is one."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": texts.ORGANIZATION_NOT_ALLOWED},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registered_meeting = None
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]


class MeetingAddForm(OrganizationForm):
    """Add a booked meeting by its meeting number (as DingTalk shows it, or pasted with text around it),
    or by its conference ID and creator union ID. `room_code` in cleaned_data is the number's digits."""

    meeting_number = forms.CharField(
        label=_("Meeting number"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("As DingTalk shows it (838 722 1234), or paste the invitation."),
    )
    schedule_conference_id = forms.CharField(
        label=_("Conference ID"),
        required=False,
        max_length=128,
        validators=[validators.validate_dingtalk_id],
        help_text=_("The scheduleConferenceId DingTalk returned when the meeting was booked."),
    )
    creator_union_id = forms.CharField(
        label=_("Creator union ID"),
        required=False,
        max_length=128,
        validators=[validators.validate_dingtalk_id],
        help_text=_("The unionId of the person who booked it."),
    )

    error_messages = {
        "already_registered": texts.CONFERENCE_ALREADY_REGISTERED,
        "number_invalid": texts.MEETING_NUMBER_INVALID,
        "number_or_ids": texts.MEETING_NUMBER_OR_IDS,
        "conference_id_required": texts.CONFERENCE_ID_REQUIRED,
        "creator_required": texts.CREATOR_REQUIRED,
    }

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("meeting_number", "")
        conference_id = cleaned.get("schedule_conference_id", "")
        creator = cleaned.get("creator_union_id", "")
        cleaned["room_code"] = meeting_number_digits(number) if number else ""
        if number and not cleaned["room_code"]:
            self._error("meeting_number", "number_invalid")
        elif not number and not conference_id and not creator and not self.errors:
            self._error("meeting_number", "number_or_ids")
        elif not number:
            # A field that already has its error (an ID DingTalk never issues) is not also "missing".
            if not conference_id and "schedule_conference_id" not in self.errors:
                self._error("schedule_conference_id", "conference_id_required")
            if not creator and "creator_union_id" not in self.errors:
                self._error("creator_union_id", "creator_required")
        organization = cleaned.get("organization")
        if organization and conference_id and not number:
            # The template links to it.
            self.registered_meeting = Meeting.objects.filter(
                organization__api_base=organization.api_base,
                schedule_conference_id=conference_id,
                removed_at__isnull=True,
            ).first()
            if self.registered_meeting is not None:
                self._error("schedule_conference_id", "already_registered")
        return cleaned

    def _error(self, field: str, code: str) -> None:
        self.add_error(field, forms.ValidationError(self.error_messages[code], code=code))


class MeetingCreatorForm(forms.Form):
    """Another creator union ID for a meeting whose stored one DingTalk refuses."""

    creator_union_id = forms.CharField(
        label=_("Creator union ID"),
        max_length=128,
        validators=[validators.validate_dingtalk_id],
        help_text=_("The unionId of the person who booked the meeting; DingTalk is asked whether it accepts it."),
        error_messages={"required": texts.CREATOR_REQUIRED},
    )

    def clean_creator_union_id(self):
        return self.cleaned_data["creator_union_id"].strip()


class MeetingImportForm(OrganizationForm):
    """Many meetings at once: one per line, a meeting number or a conference ID and a creator union ID."""

    lines = forms.CharField(
        label=_("Meetings, one per line"),
        widget=forms.Textarea(attrs={"rows": 12, "autocomplete": "off"}),
        help_text=_(
            "A meeting number (838 722 1234), or a conference ID and a creator union ID separated by a space or "
            "a comma. Blank lines and lines starting with # are skipped; at most 500 meetings."
        ),
        error_messages={"required": texts.IMPORT_NO_LINES},
    )

    error_messages = {"too_many_lines": texts.IMPORT_TOO_MANY_LINES, "no_lines": texts.IMPORT_NO_LINES}

    def clean_lines(self):
        text = self.cleaned_data["lines"]
        count = len(import_lines(text))
        if not count:
            raise forms.ValidationError(self.error_messages["no_lines"], code="no_lines")
        if count > MAX_LINES:
            raise forms.ValidationError(
                self.error_messages["too_many_lines"],
                code="too_many_lines",
                params={"limit": MAX_LINES, "count": count},
            )
        return text


class MeetingSearchForm(forms.Form):
    """The list's search box: text a database can look for (PostgreSQL refuses NUL in any string)."""

    q = forms.CharField(required=False, error_messages={"null_characters_not_allowed": texts.SEARCH_INVALID})

    error_messages = {"control_characters": texts.SEARCH_INVALID}

    def clean_q(self):
        query = self.cleaned_data["q"]
        if any(unicodedata.category(character) in {"Cc", "Cs"} for character in query):
            raise forms.ValidationError(self.error_messages["control_characters"], code="control_characters")
        return query


class DayRangeMixin:
    """A filter's `date_from` and `date_to` (day_field): `date_to` may not come before `date_from`.

    The form's error_messages name "dates_reversed".
    """

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error(
                "date_to", forms.ValidationError(self.error_messages["dates_reversed"], code="dates_reversed")
            )
        return cleaned


class ActivityFilterForm(DayRangeMixin, forms.Form):
    """Filters of the activity page; dates are each organization's own calendar days."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All organizations"),
        error_messages={"invalid_choice": texts.ORGANIZATION_NOT_ALLOWED},
    )
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Everyone"),
        error_messages={"invalid_choice": texts.CHOICE_NOT_IN_LIST},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Any outcome")), *MeetingChange.Outcome.choices],
        required=False,
        error_messages={"invalid_choice": texts.CHOICE_NOT_IN_LIST},
    )
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))

    error_messages = {"dates_reversed": texts.FILTER_DATES_REVERSED, "date_out_of_range": texts.DATE_OUT_OF_RANGE}

    def __init__(self, *args, organizations, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["person"].queryset = people

    def clean_date_from(self):
        return self._day_in_range(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return self._day_in_range(self.cleaned_data["date_to"])

    def _day_in_range(self, day):
        """A day whose midnights exist in every zone and in the database: the years meetings may have."""
        if day and not validators.FIRST_YEAR <= day.year <= validators.LAST_YEAR:
            raise forms.ValidationError(self.error_messages["date_out_of_range"], code="date_out_of_range")
        return day


# --- power tools (issue 12): book, settings, bulk rename ---------------------------------------------
UNION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _union_id(value: str, error_message) -> str:
    if not UNION_ID.fullmatch(value):
        raise forms.ValidationError(error_message, code="union_id_invalid", params={"value": value})
    return value


class MeetingCreateForm(forms.Form):
    """Book a new meeting; times are read in the chosen organization's zone."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": texts.ORGANIZATION_NOT_ALLOWED},
    )
    title = forms.CharField(
        label=_("Title"),
        strip=False,
        error_messages={"required": texts.TITLE_REQUIRED},
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_LENGTH, "autocomplete": "off"}),
    )
    start_time = LocalDateTimeField(label=_("Start"))
    end_time = LocalDateTimeField(label=_("End"))
    creator_union_id = forms.CharField(
        label=_("Creator union ID"),
        max_length=128,
        required=False,
        help_text=_("The person the meeting is booked for; empty: the organization's default creator."),
    )

    error_messages = {
        **MeetingForm.error_messages,
        "creator_required": texts.CREATOR_REQUIRED,
        "union_id_invalid": texts.UNION_ID_INVALID,
    }
    # The edit form's rules for a title, as DingTalk counts it.
    clean_title = MeetingForm.clean_title

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        chosen = self._chosen_organization(organizations)
        if chosen is not None:
            self.fields["organization"].initial = chosen
            self.fields["creator_union_id"].initial = chosen.default_creator_union_id
            for name in ("start_time", "end_time"):
                self.fields[name].zone = chosen.zone

    def _chosen_organization(self, organizations):
        """The organization posted (times are read in its zone), asked for (?organization=), or the only one."""
        key = self.data.get(self.add_prefix("organization")) or self.initial.get("organization")
        if key:
            return organizations.filter(pk=key).first() if str(key).isdigit() else None
        return organizations[0] if len(organizations) == 1 else None

    def clean_creator_union_id(self):
        value = self.cleaned_data["creator_union_id"].strip()
        return _union_id(value, self.error_messages["union_id_invalid"]) if value else ""

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        if organization is not None and "creator_union_id" in cleaned and not cleaned["creator_union_id"]:
            if organization.default_creator_union_id:
                cleaned["creator_union_id"] = organization.default_creator_union_id
            else:
                self.add_error(
                    "creator_union_id",
                    forms.ValidationError(
                        self.error_messages["creator_required"],
                        code="creator_required",
                        params={"organization": organization.name},
                    ),
                )
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error(
                "end_time",
                forms.ValidationError(self.error_messages["end_not_after_start"], code="end_not_after_start"),
            )
        return cleaned


class MeetingSettingsForm(forms.Form):
    """A meeting's settings in DingTalk. `based_on` carries what the form showed, to send only changes."""

    MUTE_OFF, MUTE_ON, MUTE_AFTER = "off", "on", "after"

    host_union_id = forms.CharField(label=_("Host union ID"), max_length=128)
    cohost_union_ids = forms.CharField(
        label=_("Co-host union IDs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
    )
    lock_room = forms.BooleanField(label=_("Lock the room (nobody else can join)"), required=False)
    screen_share_forbidden = forms.BooleanField(label=_("Forbid screen sharing"), required=False)
    waiting_room = forms.BooleanField(label=_("Waiting room"), required=False)
    join_before_host = forms.BooleanField(label=_("Participants may join before the host"), required=False)
    enable_chat = forms.BooleanField(label=_("Chat"), required=False)
    lock_nick = forms.BooleanField(label=_("Participants cannot change their names"), required=False)
    mute_on_join = forms.ChoiceField(
        label=_("Mute on join"),
        choices=[
            (MUTE_OFF, _("Off")),
            (MUTE_ON, _("On")),
            (MUTE_AFTER, _("On once more than this many people joined:")),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": texts.CHOICE_NOT_IN_LIST},
    )
    mute_on_join_after = forms.IntegerField(label=_("People"), required=False, min_value=1, max_value=10000)
    based_on = forms.CharField(widget=forms.HiddenInput)

    error_messages = {
        "union_id_invalid": texts.UNION_ID_INVALID,
        "mute_after_required": texts.MUTE_AFTER_REQUIRED,
        "out_of_date": texts.SETTINGS_FORM_OUT_OF_DATE,
    }
    flags = ("lock_room", "screen_share_forbidden", "waiting_room", "join_before_host", "enable_chat", "lock_nick")

    def __init__(self, *args, current: dingtalk.ConferenceSettings | None = None, **kwargs):
        if current is not None:
            kwargs["initial"] = {**self.initial_for(current), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, current: dingtalk.ConferenceSettings) -> dict:
        mute = current.mute_on_join
        return {
            "host_union_id": current.host_union_id,
            "cohost_union_ids": "\n".join(current.cohost_union_ids),
            **{name: getattr(current, name) for name in cls.flags},
            "mute_on_join": cls.MUTE_OFF if mute == 0 else cls.MUTE_ON if mute < 0 else cls.MUTE_AFTER,
            "mute_on_join_after": mute if mute > 0 else None,
            "based_on": json.dumps(dataclasses.asdict(current), ensure_ascii=False),
        }

    def clean_host_union_id(self):
        return _union_id(self.cleaned_data["host_union_id"].strip(), self.error_messages["union_id_invalid"])

    def clean_cohost_union_ids(self):
        ids = [part.strip() for part in re.split(r"[,，\n]", self.cleaned_data["cohost_union_ids"])]
        ids = [_union_id(part, self.error_messages["union_id_invalid"]) for part in ids if part]
        return tuple(dict.fromkeys(ids))  # each once, in the order given

    def clean_based_on(self):
        try:
            data = json.loads(self.cleaned_data["based_on"])
            data["cohost_union_ids"] = tuple(data["cohost_union_ids"])
            return dingtalk.ConferenceSettings(**data)
        except (ValueError, TypeError, KeyError):
            raise forms.ValidationError(self.error_messages["out_of_date"], code="out_of_date") from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mute_on_join") == self.MUTE_AFTER and not cleaned.get("mute_on_join_after"):
            self.add_error(
                "mute_on_join_after",
                forms.ValidationError(self.error_messages["mute_after_required"], code="mute_after_required"),
            )
        return cleaned

    @property
    def settings(self) -> dingtalk.ConferenceSettings:
        """The settings as the person left them (only after is_valid())."""
        cleaned = self.cleaned_data
        mute = {self.MUTE_OFF: 0, self.MUTE_ON: -1}.get(cleaned["mute_on_join"], cleaned.get("mute_on_join_after"))
        return dingtalk.ConferenceSettings(
            host_union_id=cleaned["host_union_id"],
            cohost_union_ids=cleaned["cohost_union_ids"],
            mute_on_join=mute,
            **{name: cleaned[name] for name in self.flags},
        )


class BulkRenameForm(DayRangeMixin, forms.Form):
    """Find and replace in the titles of many meetings; the preview and the job read the same fields."""

    find = forms.CharField(
        label=_("Find"), max_length=256, strip=False, error_messages={"required": texts.BULK_FIND_REQUIRED}
    )
    replace = forms.CharField(label=_("Replace with"), max_length=256, strip=False, required=False)
    whole_word = forms.BooleanField(label=_("Whole words only"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All organizations"),
        error_messages={"invalid_choice": texts.ORGANIZATION_NOT_ALLOWED},
    )
    date_from = day_field(_("Starting from"))
    date_to = day_field(_("Starting until"))

    error_messages = {"find_blank": texts.BULK_FIND_REQUIRED, "dates_reversed": texts.FILTER_DATES_REVERSED}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_find(self):
        find = self.cleaned_data["find"]
        if not find.strip():
            raise forms.ValidationError(self.error_messages["find_blank"], code="find_blank")
        return find

    @property
    def job_arguments(self) -> dict:
        """The service's arguments (only after is_valid())."""
        from .services import Rename

        cleaned = self.cleaned_data
        return {
            "rename": Rename(find=cleaned["find"], replace=cleaned["replace"], whole_word=cleaned["whole_word"]),
            "organization": cleaned["organization"],
            "date_from": cleaned["date_from"],
            "date_to": cleaned["date_to"],
        }
