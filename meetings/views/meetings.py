"""One meeting's screens: the list, editing, taking DingTalk's values, its history (adding: registration.py)."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView

from .. import dingtalk, selectors, services, texts
from ..forms import MeetingForm, MeetingSearchForm
from ..models import EditSubmission, Meeting
from ..validators import reveal_invisible
from .access import MeetingMixin
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
        data = self.search_form.cleaned_data
        return selectors.meeting_list(user=self.request.user, query=data["q"], mine=data["mine"])

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
            query=query,
            search_form=self.search_form,
            search_label=texts.MEETING_NUMBER_SEARCH_HELP,
            me=selectors.dingtalk_identity(self.request.user),
            **kwargs,
        )


class MeetingEditView(MeetingMixin, FormView):
    """The edit form. Every POST ends in a redirect (Post/Redirect/Get): to the plain page after a save,
    else to the page of its submission (`?submission=<key>`), which shows what was typed, the message and
    any conflict again, as often as it is reloaded. A form submitted twice is saved once."""

    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_edit.html"
    form_class = MeetingForm

    def get_initial(self):
        return restore_initial(self.request, self.meeting)  # ?restore=<change>: an old change's values

    @cached_property
    def submission(self) -> EditSubmission | None:
        """The finished submission this page shows (GET ?submission=), if it is the person's."""
        if self.request.method != "GET":
            return None
        key = self.request.GET.get("submission", "")
        return selectors.edit_submission_get(key=key, meeting=self.meeting, user=self.request.user)

    def get_form_kwargs(self):
        kwargs = {
            **super().get_form_kwargs(),
            "meeting": self.meeting,
            "may_reschedule": self.request.user.has_perm(services.RESCHEDULE_PERMISSION),
        }
        if self.submission is not None:
            # What was typed, with a token of its own: submitting it again is a new save.
            kwargs["data"] = {**self.submission.data, "submission": services.edit_submission_key()}
        return kwargs

    def get(self, request, *args, **kwargs):
        settle(request, self.meeting)  # before the form is built from the meeting's values
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        context = {
            "meeting": self.meeting,
            "canceled_notice": texts.MEETING_CANCELED_NOTICE,
            "saving": texts.SAVING % {"seconds": round(settings.DINGTALK_DEADLINE)},
            "pending_check": pending_check(self.meeting),
        }
        if self.submission is not None:
            context.update(self._submission_context(kwargs["form"]))
        return super().get_context_data(**context, **kwargs)

    def _submission_context(self, form) -> dict:
        """What the page after a submission shows besides the form: the message, the conflict."""
        outcome = self.submission.outcome
        form.is_valid()  # the field errors, as the POST found them
        if outcome.get("message"):
            messages.add_message(self.request, outcome["level"], outcome["message"])
        context = {"failure": outcome.get("failure")}
        if outcome.get("conflict") == "portal":
            changes_since = selectors.meeting_changes_since(
                meeting=self.meeting, version=int(self.submission.data.get("version") or 0)
            )
            context.update(
                saved_elsewhere=True,
                changes_since=changes_since,
                saved_by_you=all(change.user_id == self.request.user.pk for change in changes_since),
            )
        elif outcome.get("conflict") == "dingtalk":
            current = outcome["current"]
            context["in_dingtalk"] = dingtalk.Conference(
                title=current["title"],
                starts_at=datetime.datetime.fromisoformat(current["starts_at"]),
                ends_at=datetime.datetime.fromisoformat(current["ends_at"]),
            )
        return context

    def post(self, request, *args, **kwargs):
        data = {name: value for name, value in request.POST.items() if name not in _NOT_TYPED}
        submission, first = services.edit_submission_start(
            key=request.POST.get("submission", ""), meeting=self.meeting, user=request.user, data=data
        )
        if first:
            form = self.get_form()
            outcome = self._save(form) if form.is_valid() else {"show_input": True}
            services.edit_submission_finish(submission=submission, outcome=outcome)
        else:
            submission = services.edit_submission_wait(submission=submission)
        return self._redirect_after(submission)

    def _save(self, form) -> dict:
        """Save to DingTalk; the outcome for the page after the redirect (JSON)."""
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
        except services.MeetingError as exc:
            outcome = {"show_input": True, "message": exc.message, "failure": type(exc).__name__}
            outcome["level"] = messages.ERROR
            if isinstance(exc, services.MeetingConflict):
                outcome.update(level=messages.WARNING, conflict="portal")
            elif isinstance(exc, services.MeetingChangedInDingTalk):
                outcome.update(level=messages.WARNING, conflict="dingtalk", current=_to_json(exc.current))
            elif isinstance(exc, services.MeetingCanceled | services.MeetingOutcomeUnknown):
                outcome["level"] = messages.WARNING
            return outcome
        if change is None:
            return {"level": messages.INFO, "message": str(texts.MEETING_UNCHANGED)}
        return {"level": messages.SUCCESS, "message": texts.MEETING_UPDATED % _saved_values(meeting)}

    def _redirect_after(self, submission: EditSubmission):
        url = reverse("meetings:edit", args=[self.meeting.pk])
        outcome = submission.outcome
        if outcome is None:  # a second click, and the first is still waiting for DingTalk
            messages.info(self.request, texts.SAVE_STILL_RUNNING)
        elif outcome.get("show_input"):
            return redirect(f"{url}?{urlencode({'submission': submission.key})}")
        else:
            messages.add_message(self.request, outcome["level"], outcome["message"])
        return redirect(url)


# Posted names that are not the person's input.
_NOT_TYPED = ("csrfmiddlewaretoken", "submission")


def _to_json(conference: dingtalk.Conference) -> dict:
    return {
        "title": conference.title,
        "starts_at": conference.starts_at.isoformat(),
        "ends_at": conference.ends_at.isoformat(),
    }


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
