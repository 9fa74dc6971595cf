"""Booking a meeting, canceling one, and a meeting's settings in DingTalk (office admins)."""

import dataclasses
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from .. import dingtalk, selectors, services, texts
from ..clock import database_now
from ..forms import MeetingCreateForm, MeetingSettingsForm
from ..models import MeetingChange
from . import next_step
from .access import MeetingMixin, OrganizationsFormMixin
from .meetings import _NOT_TYPED, _saved_values, say_checked, settle_pending_save
from .outcome import Outcome, try_again


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
        if attempt is not None:
            # The creator is not on the row: the form holds the attempt's other values, not all it typed.
            context["outcome"] = self._attempt_outcome(attempt, organization=attempt.organization, typed=False)
            if context["outcome"] is None:  # DingTalk has not answered it yet: static/js/poll.js asks until it has
                context["outcome"] = Outcome(level="info", text=str(texts.CREATE_BEING_BOOKED))
                query = urlencode({"submission": attempt.submission_key})
                context["being_booked"] = {"poll": f"{reverse('meetings:create_progress')}?{query}", "url": f"?{query}"}
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
            attempt = repeated.change
            outcome = None
            if attempt.meeting_id is None:
                creator_field = form["creator_union_id"].id_for_label
                outcome = self._attempt_outcome(attempt, organization=data["organization"], creator_field=creator_field)
            if outcome is None:  # booked, or being booked: the attempt's page says which
                page = reverse("meetings:create")
                return redirect(f"{page}?{urlencode({'submission': attempt.submission_key})}")
            return self.render_to_response(self.get_context_data(form=_with_new_token(form), outcome=outcome))
        except services.MeetingCreateUnknown as exc:
            return self._failed(_with_new_token(form), exc, level="warning")  # DingTalk may have booked it
        except services.MeetingError as exc:
            return self._failed(_with_new_token(form), exc, level="error")
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

    def _attempt_outcome(
        self, attempt: MeetingChange, *, organization, typed: bool = True, creator_field: str = ""
    ) -> Outcome | None:
        """The page's one message for a booking attempt that ended without a meeting, with its next step; None
        while DingTalk may still answer it. One in progress after its wait is a dead process's: may have been
        booked (the sentence written ahead on its row)."""
        if booking_runs(attempt):
            return None
        failed = attempt.outcome == MeetingChange.Outcome.FAILED
        message = attempt.message_shown  # in the reader's language where it was kept as a sentence
        error = services.MeetingError(message) if failed else services.MeetingCreateUnknown(message)
        return next_step.outcome(
            error,
            request=self.request,
            level="error" if failed else "warning",
            form_id="create-form",
            typed=typed,
            organization=organization,
            creator_field=creator_field,
            code=attempt.dingtalk_code if failed else None,
        )


def booking_runs(attempt: MeetingChange) -> bool:
    """Whether DingTalk may still answer the booking: in progress within its wait (after it, its process died)."""
    if attempt.meeting_id is not None or attempt.outcome != MeetingChange.Outcome.IN_PROGRESS:
        return False
    return attempt.check_after is not None and attempt.check_after > database_now()


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
        # A lost answer's check, once its wait is over: its outcome decides what the form shows.
        checked, check_failed = settle_pending_save(request, meeting)
        if check_failed:
            messages.warning(request, check_failed)
        try:
            current = services.meeting_settings_get(meeting=meeting)
        except services.MeetingCanceled as exc:
            messages.warning(request, exc.message)
            return redirect("meetings:edit", pk=meeting.pk)
        except services.MeetingError as exc:
            # Try again reads the page again.
            shown = next_step.outcome(exc, request=request, meeting=meeting, organization=meeting.organization)
            return self.render_to_response(self.get_context_data(form=None, outcome=shown))
        mine = selectors.settings_not_applied(meeting=meeting, user=request.user)
        if mine is None:
            if checked is not None:
                say_checked(request, checked)
            return self.render_to_response(self.get_context_data(form=MeetingSettingsForm(current=current)))
        # The person's own change, which DingTalk did not apply: what they chose, on DingTalk's settings now
        # (`based_on`), so Try again sends it; others see DingTalk's settings.
        chosen = MeetingSettingsForm.initial_for(_chosen(mine, current))
        del chosen["based_on"]
        shown = Outcome(
            level="warning",
            text=str(texts.CHECKED_YOURS_SETTINGS_NOT_SAVED % {"fields": mine.settings_summary()}),
            next_step=try_again("settings-form"),
        )
        form = MeetingSettingsForm(current=current, initial=chosen)
        return self.render_to_response(self.get_context_data(form=form, outcome=shown))

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


def _chosen(change: MeetingChange, current) -> dingtalk.ConferenceSettings:
    """The settings as `change` wanted them: its new values (settings_changes), DingTalk's `current` for the
    rest."""
    changes = change.settings_changes.items()
    wanted = {name: tuple(new) if isinstance(new, list) else new for name, (_old, new) in changes}
    return dataclasses.replace(current, **wanted)


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
