"""Editing a meeting: its title and times, with the checks a save to DingTalk needs first."""

from django import forms

from .. import services, texts
from ..models import Meeting
from .fields import TitleAndTimesMixin, start_and_end_fields, title_field


class MeetingForm(TitleAndTimesMixin, forms.Form):
    """Edit a meeting's title and times; times are read in the meeting's organization's zone."""

    title = title_field()
    start_time, end_time = start_and_end_fields()
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
    # A new token at every page load: the same form submitted twice is one save (services.form_submission_key).
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    error_messages = {
        **TitleAndTimesMixin.error_messages,
        "reschedule_not_allowed": texts.RESCHEDULE_NOT_ALLOWED,
    }

    def __init__(self, *args, meeting: Meeting, may_reschedule: bool, **kwargs):
        kwargs["initial"] = {
            "title": meeting.title,
            "start_time": meeting.starts_at,
            "end_time": meeting.ends_at,
            "version": meeting.version,
            "submission": services.form_token(),
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
            # One format in every language and browser; the fieldset's legend names the zone in words.
            self.fields[name].help_text = texts.TIME_INPUT_FORMAT
            # Read-only for title fixers: a disabled field's posted value is ignored for the stored one.
            self.fields[name].disabled = not may_reschedule

    def clean(self):
        cleaned = super().clean()
        if not self.may_reschedule and self._times_posted_differ():
            raise forms.ValidationError(self.error_messages["reschedule_not_allowed"], code="reschedule_not_allowed")
        self.check_end_after_start(cleaned)
        if self.may_reschedule and cleaned.get("start_time") != self.meeting.starts_at:
            # Moving a meeting into the past is allowed, but never by a slip of the keyboard.
            self.check_not_in_past(cleaned, zone=self.meeting.organization.zone, confirm_label=texts.CONFIRM_PAST_LABEL)
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
