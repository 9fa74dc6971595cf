"""The search box and the filters of lists (activity, bulk rename): what to look for, which days."""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services, texts, validators
from ..models import MeetingChange
from .fields import organization_field


def day_field(label) -> forms.DateField:
    """An optional day of a filter (activity, bulk rename), typed as YYYY-MM-DD like every other date. Not the
    browser's date input: it shows the browser's own format (mm/dd/yyyy) and takes a Tab stop per part."""
    return forms.DateField(
        label=label,
        required=False,
        # Not the language's formats (en's 10/25/2006 among them): one format, digits only also taken.
        input_formats=["%Y-%m-%d", "%Y%m%d"],
        widget=forms.DateInput(
            attrs={
                "inputmode": "numeric",
                "pattern": r"\d{4}-?\d{2}-?\d{2}",
                "placeholder": "YYYY-MM-DD",
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "date",
            },
            format="%Y-%m-%d",
        ),
        error_messages={"invalid": texts.DATE_INVALID},
    )


class MeetingSearchForm(forms.Form):
    """The list's search box: text a database can look for (PostgreSQL refuses NUL in any string)."""

    q = forms.CharField(required=False, error_messages={"null_characters_not_allowed": texts.SEARCH_INVALID})
    # Which meetings: upcoming ones by default, soonest first; a search looks through all of them.
    show = forms.ChoiceField(
        required=False,
        choices=[
            ("upcoming", _("Upcoming")),
            ("past", _("Past")),
            ("canceled", _("Canceled")),
            ("all", _("All")),
        ],
    )
    # The clock "upcoming" is measured by; tests/conftest.py pins it, as the forms' one.
    now = staticmethod(timezone.now)
    mine = forms.BooleanField(label=_("Meetings I booked"), required=False)

    error_messages = {"control_characters": texts.SEARCH_INVALID}

    def clean_q(self):
        query = self.cleaned_data["q"]
        if any(unicodedata.category(character) in {"Cc", "Cs"} for character in query):
            raise forms.ValidationError(self.error_messages["control_characters"], code="control_characters")
        return query

    def clean_show(self):
        return self.cleaned_data["show"] or ("all" if self.cleaned_data.get("q", "").strip() else "upcoming")


class DayRangeMixin:
    """A filter's `date_from` and `date_to` (day_field): days in the years meetings may have, and `date_to`
    not before `date_from`. The form's error_messages start from this class's."""

    error_messages = {"dates_reversed": texts.FILTER_DATES_REVERSED, "date_out_of_range": texts.DATE_OUT_OF_RANGE}

    def clean_date_from(self):
        return self._day_in_range(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return self._day_in_range(self.cleaned_data["date_to"])

    def _day_in_range(self, day):
        """A day whose midnights exist in every zone and in the database: the years meetings may have."""
        if day and not validators.FIRST_YEAR <= day.year <= validators.LAST_YEAR:
            raise forms.ValidationError(self.error_messages["date_out_of_range"], code="date_out_of_range")
        return day

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

    organization = organization_field(required=False, empty_label=_("All organizations"))
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

    def __init__(self, *args, organizations, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = texts.person_name


class BulkRenameForm(DayRangeMixin, forms.Form):
    """Find and replace in the titles of many meetings; the preview and the job read the same fields."""

    find = forms.CharField(
        label=_("Find"), max_length=256, strip=False, error_messages={"required": texts.BULK_FIND_REQUIRED}
    )
    replace = forms.CharField(label=_("Replace with"), max_length=256, strip=False, required=False)
    whole_word = forms.BooleanField(label=_("Whole words only"), required=False)
    regex = forms.BooleanField(
        label=_("Regular expression"),
        required=False,
        help_text=_("Find is a regular expression; in Replace with, \\1 or \\g<name> puts in a group."),
    )
    organization = organization_field(required=False, empty_label=_("All organizations"))
    date_from = day_field(_("Starting from"))
    date_to = day_field(_("Starting until"))

    error_messages = {
        **DayRangeMixin.error_messages,
        "find_blank": texts.BULK_FIND_REQUIRED,
        "regex_invalid": texts.BULK_REGEX_INVALID,
    }

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_find(self):
        find = self.cleaned_data["find"]
        if not find.strip():
            raise forms.ValidationError(self.error_messages["find_blank"], code="find_blank")
        return find

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("regex") and "find" in cleaned and "replace" in cleaned:
            problem = self._rename(cleaned).regex_error()
            if problem is not None:
                field, detail = problem
                error = forms.ValidationError(
                    self.error_messages["regex_invalid"], code="regex_invalid", params={"error": detail}
                )
                self.add_error(field, error)
        return cleaned

    @staticmethod
    def _rename(cleaned: dict) -> services.Rename:
        return services.Rename(
            find=cleaned["find"], replace=cleaned["replace"], whole_word=cleaned["whole_word"], regex=cleaned["regex"]
        )

    @property
    def job_arguments(self) -> dict:
        """The service's arguments (only after is_valid())."""
        cleaned = self.cleaned_data
        return {
            "rename": self._rename(cleaned),
            "organization": cleaned["organization"],
            "date_from": cleaned["date_from"],
            "date_to": cleaned["date_to"],
        }
