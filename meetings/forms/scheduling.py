"""Booking a meeting and its settings in DingTalk (office admins): the forms naming people by union ID."""

import dataclasses
import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import dingtalk, services, texts
from .fields import TitleAndTimesMixin, organization_field, start_and_end_fields, title_field

UNION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _union_id(value: str, error_message) -> str:
    if not UNION_ID.fullmatch(value):
        raise forms.ValidationError(error_message, code="union_id_invalid", params={"value": value})
    return value


class MeetingCreateForm(TitleAndTimesMixin, forms.Form):
    """Book a new meeting; times are read in the chosen organization's zone."""

    organization = organization_field()
    title = title_field()
    start_time, end_time = start_and_end_fields()
    creator_union_id = forms.CharField(
        label=_("Creator union ID"),
        max_length=128,
        required=False,
        help_text=_("The person the meeting is booked for; empty: the organization's default creator."),
    )
    # Shown once the form has refused a start in the past (`asks_past_confirmation`).
    confirm_past = forms.BooleanField(label=texts.CONFIRM_PAST_BOOKING_LABEL, required=False, initial=False)
    # A new token at every page load: the same form submitted twice is one booking (services.form_submission_key).
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    error_messages = {
        **TitleAndTimesMixin.error_messages,
        "creator_required": texts.CREATOR_REQUIRED,
        "union_id_invalid": texts.UNION_ID_INVALID,
    }

    def __init__(self, *args, organizations, me=None, **kwargs):
        kwargs["initial"] = {"submission": services.form_token(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        # `me`: the DingTalk unionId and name of the person booking, when they sign in with DingTalk: the
        # meeting is theirs unless they name someone else.
        self.me = me
        self.fields["organization"].queryset = organizations
        if me is not None:
            self.fields["creator_union_id"].initial = me[0]
            self.fields["creator_union_id"].help_text = texts.BOOKED_FOR_YOU % {"nick": me[1]}
        chosen = self._chosen_organization(organizations)
        if chosen is not None:
            self.fields["organization"].initial = chosen
            if me is None:
                self.fields["creator_union_id"].initial = chosen.default_creator_union_id
            for name in self.time_fields:
                self.fields[name].zone = chosen.zone
                self.fields[name].help_text = texts.TIME_INPUT_HINT % {"time_zone": texts.zone_name(chosen.time_zone)}
        else:
            for name in self.time_fields:
                self.fields[name].help_text = texts.TIME_INPUT_HINT_ORGANIZATION

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
            if self.me is not None:
                cleaned["creator_union_id"] = self.me[0]
            elif organization.default_creator_union_id:
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
        self.check_end_after_start(cleaned)
        if organization is not None:
            self.check_not_in_past(cleaned, zone=organization.zone, confirm_label=texts.CONFIRM_PAST_BOOKING_LABEL)
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
