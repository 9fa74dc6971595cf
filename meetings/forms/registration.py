"""Bringing meetings into the portal: one by number or IDs, another creator for one, many at once."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import services, texts, validators
from ..models import Meeting
from .fields import organization_field


class OrganizationForm(forms.Form):
    """A form for work in one of the person's organizations (`organizations`), preselected when there is one."""

    organization = organization_field()

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registered_meeting = None
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]


class MeetingAddForm(OrganizationForm):
    """Add a booked meeting by its meeting number (as DingTalk shows it, or pasted with text around it),
    or by its conference ID and creator union ID. `meeting_number_digits` in cleaned_data is the number's digits."""

    meeting_number = forms.CharField(
        label=_("Meeting number"),
        required=False,
        max_length=4000,
        # One line: Enter submits the form (a pasted invitation's line breaks become spaces).
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
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
        "creator_required": texts.CREATOR_UNION_ID_REQUIRED,
    }

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("meeting_number", "")
        conference_id = cleaned.get("schedule_conference_id", "")
        creator = cleaned.get("creator_union_id", "")
        cleaned["meeting_number_digits"] = services.meeting_number_digits(number) if number else ""
        if number and not cleaned["meeting_number_digits"]:
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
                api_base=organization.api_base,
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
        error_messages={"required": texts.CREATOR_UNION_ID_REQUIRED},
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
        count = len(services.import_lines(text))
        if not count:
            raise forms.ValidationError(self.error_messages["no_lines"], code="no_lines")
        if count > services.MAX_LINES:
            raise forms.ValidationError(
                self.error_messages["too_many_lines"],
                code="too_many_lines",
                params={"limit": services.MAX_LINES, "count": count},
            )
        return text
