"""One meeting's screens: the list, editing, taking DingTalk's values, its history (adding: registration.py)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView

from .. import selectors, services, texts
from ..forms import MeetingForm, MeetingSearchForm
from ..models import Meeting
from ..validators import reveal_invisible
from .restore import restore_initial


class MeetingListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "meetings.view_meeting"
    template_name = "meetings/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 25

    @cached_property
    def search_form(self) -> MeetingSearchForm:
        return MeetingSearchForm(self.request.GET)

    def get_queryset(self):
        if not self.search_form.is_valid():
            return Meeting.objects.none()
        return selectors.meeting_list(user=self.request.user, query=self.search_form.cleaned_data["q"])

    def get(self, request, *args, **kwargs):
        # A search by meeting number that finds one meeting opens it: the helpdesk's way in.
        query = self.search_form.cleaned_data["q"] if self.search_form.is_valid() else ""
        digits = selectors.meeting_number_query(query)
        if len(digits) >= selectors.MEETING_NUMBER_MIN_DIGITS:
            found = list(self.get_queryset().filter(room_code__contains=digits).values_list("pk", flat=True)[:2])
            if len(found) == 1:
                return redirect("meetings:edit", pk=found[0])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "")
        return super().get_context_data(
            query=query, search_form=self.search_form, search_label=texts.MEETING_NUMBER_SEARCH_HELP, **kwargs
        )


class MeetingMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """The meeting of the URL, if the person's organizations include its organization; 404 otherwise."""

    include_removed = False  # a meeting removed from the portal is a 404, except where this says otherwise

    @cached_property
    def meeting(self) -> Meeting:
        try:
            return selectors.meeting_get(
                user=self.request.user, pk=self.kwargs["pk"], include_removed=self.include_removed
            )
        except Meeting.DoesNotExist:
            raise Http404 from None


class MeetingEditView(MeetingMixin, FormView):
    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_edit.html"
    form_class = MeetingForm

    def get_initial(self):
        return restore_initial(self.request, self.meeting)  # ?restore=<change>: an old change's values

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "meeting": self.meeting,
            "may_reschedule": self.request.user.has_perm(services.RESCHEDULE_PERMISSION),
        }

    def get(self, request, *args, **kwargs):
        settle(request, self.meeting)  # before the form is built from the meeting's values
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            meeting=self.meeting,
            canceled_notice=texts.MEETING_CANCELED_NOTICE,
            pending_check=pending_check(self.meeting),
            **kwargs,
        )

    def form_valid(self, form):
        meeting = self.meeting
        try:
            change = services.meeting_update(
                meeting=meeting,
                title=form.cleaned_data["title"],
                starts_at=form.cleaned_data["start_time"],
                ends_at=form.cleaned_data["end_time"],
                by=self.request.user,
                based_on_version=form.cleaned_data["version"],
            )
        except services.MeetingConflict as exc:
            messages.warning(self.request, exc.message)
            changes_since = selectors.meeting_changes_since(meeting=meeting, version=form.cleaned_data["version"])
            return self.render_to_response(
                self.get_context_data(form=form, saved_elsewhere=True, changes_since=changes_since)
            )
        except services.MeetingChangedInDingTalk as exc:
            messages.warning(self.request, exc.message)
            return self.render_to_response(self.get_context_data(form=form, in_dingtalk=exc.current))
        except (services.MeetingCanceled, services.MeetingOutcomeUnknown) as exc:
            messages.warning(self.request, exc.message)
            return self.form_invalid(form)
        except services.MeetingError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        if change is None:
            messages.info(self.request, texts.MEETING_UNCHANGED)
        else:
            messages.success(self.request, texts.MEETING_UPDATED % _saved_values(meeting))
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingRefreshView(MeetingMixin, View):
    """Take DingTalk's current title and times: the way out when the meeting was changed there."""

    permission_required = "meetings.change_meeting"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        meeting = self.meeting
        try:
            change = services.meeting_refresh(meeting=meeting, by=request.user)
        except services.MeetingCanceled as exc:
            messages.warning(request, exc.message)
        except services.MeetingError as exc:
            messages.error(request, exc.message)
        else:
            if change is None:
                messages.info(request, texts.MEETING_ALREADY_CURRENT)
            else:
                messages.success(request, texts.MEETING_REFRESHED % _saved_values(meeting))
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingHistoryView(MeetingMixin, ListView):
    permission_required = "meetings.view_meetingchange"
    include_removed = True  # removed from the portal, its history still reads
    template_name = "meetings/meeting_history.html"
    context_object_name = "changes"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        settle(request, self.meeting)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.meeting_change_list(meeting=self.meeting)

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)


def settle(request, meeting: Meeting) -> None:
    """Settle the meeting's pending save if its wait is over, and say the answer; or the answer a page that
    waited for it (`?checked=<change>`, where the pending page reloads to) missed because a job was first.
    Only a locked meeting, or that reload, costs a query."""
    settled = None
    if meeting.update_lease_until is not None:
        try:
            settled = services.meeting_reconcile(meeting=meeting)
        except services.MeetingError as exc:
            messages.warning(request, exc.message)
    if settled is None and "checked" in request.GET:
        settled = selectors.meeting_settled_change(meeting=meeting, pk=request.GET["checked"])
    if settled is not None:
        level = messages.SUCCESS if settled.outcome == settled.Outcome.SUCCESS else messages.WARNING
        messages.add_message(request, level, settled.message)


def pending_check(meeting: Meeting) -> dict | None:
    """What the edit page shows while the meeting is locked by a save under way or one being checked."""
    change = selectors.meeting_pending_change(meeting=meeting)
    if change is None:
        return None
    until = meeting.update_lease_until
    sentence = texts.CHECKING_WITH_DINGTALK if change.outcome == change.Outcome.UNKNOWN else texts.SAVE_UNDER_WAY
    seconds = (until - timezone.now()).total_seconds()
    organization = meeting.organization
    return {
        "change": change,
        "text": sentence % {"time": texts.local_clock_time(until, organization), "time_zone": organization.time_zone},
        # Reload just after the wait ends (the reload settles it), at least every half minute.
        "reload_after": min(max(int(seconds) + 2, 2), 30),
    }


def _saved_values(meeting: Meeting) -> dict:
    organization = meeting.organization
    return {
        "title": reveal_invisible(meeting.title),
        "start": texts.local_time(meeting.starts_at, organization),
        "end": texts.local_time(meeting.ends_at, organization),
        "time_zone": organization.time_zone,
    }
