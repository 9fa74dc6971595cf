"""Booking a meeting, canceling one, and a meeting's settings in DingTalk (office admins)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from .. import selectors, services, texts
from ..clock import database_now
from ..forms import MeetingCreateForm, MeetingSettingsForm
from ..models import MeetingChange
from .access import MeetingMixin, OrganizationsFormMixin
from .meetings import _NOT_TYPED, _saved_values


class MeetingCreateView(LoginRequiredMixin, PermissionRequiredMixin, OrganizationsFormMixin, FormView):
    """The booking form. A form submitted twice books once, as the edit form saves once: the booking's audit
    row carries the submission's key, and the second arrival is sent to the page of the first one's attempt
    (`?submission=<key>`): the meeting's page once booked, else what the attempt says."""

    permission_required = "meetings.add_meeting"
    template_name = "meetings/meeting_create.html"
    form_class = MeetingCreateForm

    @cached_property
    def attempt(self) -> MeetingChange | None:
        """The booking this page shows (GET ?submission=), if it is the person's."""
        if self.request.method != "GET":
            return None
        return selectors.create_submission_get(key=self.request.GET.get("submission", ""), user=self.request.user)

    def get(self, request, *args, **kwargs):
        if self.attempt is not None and self.attempt.meeting is not None:
            messages.success(request, texts.MEETING_CREATED % _saved_values(self.attempt.meeting))
            return redirect("meetings:edit", pk=self.attempt.meeting_id)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "me": selectors.dingtalk_identity(self.request.user)}

    def get_context_data(self, **kwargs):
        # Bookings of theirs that DingTalk may have made: looked for before booking again.
        unknown = selectors.creates_unknown(user=self.request.user)
        context = {"creates_unknown": unknown, "creates_unknown_text": texts.CREATES_UNKNOWN}
        attempt = self.attempt
        if attempt is not None and attempt.outcome == MeetingChange.Outcome.IN_PROGRESS:
            if (
                attempt.check_after is not None and attempt.check_after > database_now()
            ):  # else its process died: the row says what may be
                organization = attempt.organization
                text = texts.CREATE_BEING_BOOKED % {
                    "time": texts.local_clock_time(attempt.check_after, organization),
                    "time_zone": organization.time_zone,
                }
                context["being_booked"] = {"text": text, "url": f"?{urlencode({'submission': attempt.submission_key})}"}
            else:
                messages.warning(self.request, attempt.message)
        elif attempt is not None:
            level = messages.WARNING if attempt.outcome == MeetingChange.Outcome.UNKNOWN else messages.ERROR
            messages.add_message(self.request, level, attempt.message)
        return super().get_context_data(**context, **kwargs)

    def get_initial(self):
        # ?organization=<id> picks the organization, and so its default creator and time zone; a person of
        # one organization has it chosen (OrganizationsFormMixin).
        initial = super().get_initial()
        if self.attempt is not None:  # what the attempt sent, with a token of its own: a new booking
            attempt = self.attempt
            initial.update(
                organization=attempt.organization_id,
                title=attempt.new_title,
                start_time=attempt.new_starts_at,
                end_time=attempt.new_ends_at,
            )
        elif self.request.GET.get("organization"):
            initial["organization"] = self.request.GET["organization"]
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        posted = {name: value for name, value in self.request.POST.items() if name not in _NOT_TYPED}
        key = services.form_submission_key(
            token=self.request.POST.get("submission", ""), user=self.request.user, posted=posted
        )
        try:
            meeting = services.meeting_create(
                organization=data["organization"],
                creator_union_id=data["creator_union_id"],
                title=data["title"],
                starts_at=data["start_time"],
                ends_at=data["end_time"],
                by=self.request.user,
                submission_key=key,
            )
        except services.SubmissionRepeated as repeated:  # answered from its first arrival's attempt
            page = reverse("meetings:create")
            return redirect(f"{page}?{urlencode({'submission': repeated.change.submission_key})}")
        except services.MeetingCreateUnknown as exc:
            messages.warning(self.request, exc.message)
            return self.form_invalid(_with_new_token(form))
        except services.MeetingError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(_with_new_token(form))
        messages.success(self.request, texts.MEETING_CREATED % _saved_values(meeting))
        return redirect("meetings:edit", pk=meeting.pk)


def _with_new_token(form: MeetingCreateForm) -> MeetingCreateForm:
    """The form shown again after its booking failed or may have been made, with a token of its own: booking
    from it again is a new booking, not the same submission answered with its outcome."""
    form.data = form.data.copy()
    form.data["submission"] = services.form_token()
    return form


class MeetingCancelView(MeetingMixin, TemplateView):
    """GET: a page naming the meeting and asking to confirm; POST: cancel it in DingTalk."""

    permission_required = "meetings.cancel_meeting"
    template_name = "meetings/meeting_cancel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, canceled_notice=texts.MEETING_CANCELED_NOTICE, **kwargs)

    def post(self, request, *args, **kwargs):
        meeting = self.meeting
        try:
            change = services.meeting_cancel(meeting=meeting, by=request.user)
        except (services.MeetingCanceled, services.MeetingOutcomeUnknown) as exc:
            messages.warning(request, exc.message)  # unknown: the meeting's page shows the check to come
        except services.MeetingError as exc:
            messages.error(request, exc.message)
            return redirect("meetings:cancel", pk=meeting.pk)
        else:
            messages.success(request, change.message)
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingSettingsView(MeetingMixin, FormView):
    """The settings as DingTalk has them now; saving sends only what the person changed."""

    permission_required = "meetings.change_meeting_settings"
    template_name = "meetings/meeting_settings.html"
    form_class = MeetingSettingsForm

    def get(self, request, *args, **kwargs):
        meeting = self.meeting
        if meeting.is_canceled:
            return self.render_to_response(self.get_context_data(form=None))
        try:
            current = services.meeting_settings_get(meeting=meeting)
        except services.MeetingCanceled as exc:
            messages.warning(request, exc.message)
            return redirect("meetings:edit", pk=meeting.pk)
        except services.MeetingError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(self.get_context_data(form=None))
        return self.render_to_response(self.get_context_data(form=MeetingSettingsForm(current=current)))

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, canceled_notice=texts.MEETING_CANCELED_NOTICE, **kwargs)

    def form_valid(self, form):
        meeting = self.meeting
        try:
            change = services.meeting_settings_update(
                meeting=meeting, based_on=form.cleaned_data["based_on"], settings=form.settings, by=self.request.user
            )
        except services.SettingsChangedInDingTalk as exc:
            messages.warning(self.request, exc.message)
            rows = _both_values(form.cleaned_data["based_on"], exc.current)
            return self.render_to_response(self.get_context_data(form=form, in_dingtalk=rows))
        except (services.MeetingCanceled, services.MeetingOutcomeUnknown) as exc:
            messages.warning(self.request, exc.message)  # unknown: the meeting's page shows the check to come
            return redirect("meetings:edit", pk=meeting.pk)
        except services.MeetingError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        if change is None:
            messages.info(self.request, texts.SETTINGS_UNCHANGED)
        else:
            messages.success(self.request, change.message)
        return redirect("meetings:settings", pk=meeting.pk)


def _both_values(based_on, current) -> list[tuple[str, str, str, bool]]:
    """(setting, what the form was based on, what DingTalk has now, differs) for every setting."""
    return [
        (
            str(label),
            texts.setting_value(name, getattr(based_on, name)),
            texts.setting_value(name, getattr(current, name)),
            getattr(based_on, name) != getattr(current, name),
        )
        for name, label in texts.SETTING_LABELS.items()
    ]
