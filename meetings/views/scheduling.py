"""Booking a meeting, canceling one, and a meeting's settings in DingTalk (office admins)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from .. import selectors, services, texts
from ..forms import MeetingCreateForm, MeetingSettingsForm
from . import next_step
from .access import MeetingMixin, OrganizationsFormMixin
from .meetings import _saved_values


class MeetingCreateView(LoginRequiredMixin, PermissionRequiredMixin, OrganizationsFormMixin, FormView):
    permission_required = "meetings.add_meeting"
    template_name = "meetings/meeting_create.html"
    form_class = MeetingCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "me": selectors.dingtalk_identity(self.request.user)}

    def get_context_data(self, **kwargs):
        # Bookings of theirs that DingTalk may have made: looked for before booking again.
        unknown = selectors.creates_unknown(user=self.request.user)
        return super().get_context_data(creates_unknown=unknown, creates_unknown_text=texts.CREATES_UNKNOWN, **kwargs)

    def get_initial(self):
        # ?organization=<id> picks the organization, and so its default creator and time zone; a person of
        # one organization has it chosen (OrganizationsFormMixin).
        initial = super().get_initial()
        if self.request.GET.get("organization"):
            initial["organization"] = self.request.GET["organization"]
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                organization=data["organization"],
                creator_union_id=data["creator_union_id"],
                title=data["title"],
                starts_at=data["start_time"],
                ends_at=data["end_time"],
                by=self.request.user,
            )
        except services.MeetingCreateUnknown as exc:
            return self._failed(form, exc, level="warning")  # DingTalk may have booked it
        except services.MeetingError as exc:
            return self._failed(form, exc, level="error")
        messages.success(self.request, texts.MEETING_CREATED % _saved_values(meeting))
        return redirect("meetings:edit", pk=meeting.pk)

    def _failed(self, form, error, *, level):
        """The form again with what was typed, and the page's one message with its next step."""
        shown = next_step.outcome(
            error,
            request=self.request,
            level=level,
            form_id="create-form",
            organization=form.cleaned_data["organization"],
            creator_field=form["creator_union_id"].id_for_label,
        )
        return self.render_to_response(self.get_context_data(form=form, outcome=shown))


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
            # The page again, its one message with the next step (Try again posts the same form).
            shown = next_step.outcome(
                exc,
                request=request,
                form_id="cancel-form",
                typed=False,
                meeting=meeting,
                organization=meeting.organization,
            )
            return self.render_to_response(self.get_context_data(outcome=shown))
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
            # Try again reads the page again.
            shown = next_step.outcome(exc, request=request, meeting=meeting, organization=meeting.organization)
            return self.render_to_response(self.get_context_data(form=None, outcome=shown))
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
            shown = next_step.outcome(
                exc, request=self.request, form_id="settings-form", meeting=meeting, organization=meeting.organization
            )
            return self.render_to_response(self.get_context_data(form=form, outcome=shown))
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
