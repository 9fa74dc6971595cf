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
from ..models import Meeting, MeetingChange
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
        cleaned = self.search_form.cleaned_data
        return selectors.meeting_list(
            user=self.request.user,
            query=cleaned["q"],
            mine=cleaned["mine"],
            show=cleaned["show"],
            now=MeetingSearchForm.now(),
        )

    def get(self, request, *args, **kwargs):
        # A search by meeting number that finds one meeting opens it: the helpdesk's way in.
        query = self.search_form.cleaned_data["q"] if self.search_form.is_valid() else ""
        digits = selectors.meeting_number_query(query)
        if len(digits) >= selectors.MEETING_NUMBER_MIN_DIGITS:
            found = list(self.get_queryset().filter(meeting_number__contains=digits).values_list("pk", flat=True)[:2])
            if len(found) == 1:
                return redirect("meetings:edit", pk=found[0])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "")
        form = self.search_form
        show = form.cleaned_data["show"] if form.is_valid() else ""
        return super().get_context_data(
            query=query,
            search_form=form,
            search_label=texts.MEETING_NUMBER_SEARCH_HELP,
            show=show,
            shows=form.fields["show"].choices,
            # "No match" for a number: add the meeting by it, the number typed in already.
            number_searched=selectors.meeting_number_query(query),
            me=selectors.dingtalk_identity(self.request.user),
            **kwargs,
        )


class MeetingEditView(MeetingMixin, FormView):
    """The edit form. Every POST ends in a redirect (Post/Redirect/Get): to the plain page after a save,
    else to the page of its submission (`?submission=<key>`), which shows what was typed, the message and
    any conflict again, as often as it is reloaded. A form submitted twice is saved once: its attempt's
    audit row carries the submission's key, and the second arrival is answered from that row at once."""

    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_edit.html"
    form_class = MeetingForm

    def get_initial(self):
        if self.attempt is not None and self.attempt.outcome != MeetingChange.Outcome.SUCCESS:
            return {  # what the attempt sent, with a token of its own: submitting it again is a new save
                "title": self.attempt.new_title,
                "start_time": self.attempt.new_starts_at,
                "end_time": self.attempt.new_ends_at,
                "version": self.attempt.based_on_version,
            }
        return restore_initial(self.request, self.meeting)  # ?restore=<change>: an old change's values

    @cached_property
    def attempt(self) -> MeetingChange | None:
        """The attempt this page shows (GET ?submission=), if it is the person's."""
        if self.request.method != "GET":
            return None
        key = self.request.GET.get("submission", "")
        return selectors.edit_submission_get(key=key, meeting=self.meeting, user=self.request.user)

    @cached_property
    def refused(self) -> dict | None:
        """A submission that made no attempt (the form refused it, or the save stopped before one), kept in
        the person's session for the page after the redirect: {"key", "meeting", "posted", "answer"}."""
        kept = self.request.session.get(_REFUSED_FORM) if self.request.method == "GET" else None
        key = self.request.GET.get("submission", "")
        if self.attempt is None and kept and key and (kept["key"], kept["meeting"]) == (key, self.meeting.pk):
            return kept
        return None

    def get_form_kwargs(self):
        kwargs = {
            **super().get_form_kwargs(),
            "meeting": self.meeting,
            "may_reschedule": self.request.user.has_perm(services.RESCHEDULE_PERMISSION),
        }
        if self.refused is not None:
            # What was typed, with a token of its own: submitting it again is a new save.
            kwargs["data"] = {**self.refused["posted"], "submission": services.form_token()}
        return kwargs

    def get(self, request, *args, **kwargs):
        check_pending_save(request, self.meeting)  # before the form is built from the meeting's values
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        context = {
            "meeting": self.meeting,
            "canceled_notice": texts.MEETING_CANCELED_NOTICE,
            "saving": texts.SAVING % {"seconds": round(settings.DINGTALK_DEADLINE)},
            "pending_check": pending_check(self.meeting),
        }
        if self.attempt is not None:
            context.update(self._attempt_context())
        elif self.refused is not None:
            kwargs["form"].is_valid()  # the field errors, as the POST found them
            answer = self.refused["answer"]
            if answer.get("message"):
                messages.add_message(self.request, answer["level"], answer["message"])
        return super().get_context_data(**context, **kwargs)

    def _attempt_context(self) -> dict:
        """What the page of an attempt shows besides the form: its outcome, the conflict; while it runs,
        that it is being saved, reloading itself until DingTalk has answered."""
        attempt, meeting = self.attempt, self.meeting
        Outcome = MeetingChange.Outcome
        if attempt.outcome == Outcome.IN_PROGRESS:
            until = attempt.check_after or timezone.now()
            organization = meeting.organization
            text = texts.FORM_BEING_SAVED % {
                "time": texts.local_clock_time(until, organization),
                "time_zone": organization.time_zone,
            }
            url = f"?{urlencode({'submission': attempt.submission_key})}"
            return {"pending_check": {"change": attempt, "text": text, "poll_after": 2, "url": url}}
        if attempt.outcome == Outcome.SUCCESS:
            level, message = messages.SUCCESS, attempt.message or texts.MEETING_UPDATED % _attempt_values(attempt)
        elif attempt.outcome == Outcome.FAILED and attempt.dingtalk_code != dingtalk.Code.RESOURCE_CANCEL:
            level, message = messages.ERROR, attempt.message
        else:
            level, message = messages.WARNING, attempt.message
        messages.add_message(self.request, level, message)
        if attempt.outcome == Outcome.FAILED:
            return {"next_step": _NEXT_STEPS.get(attempt.dingtalk_code, "")}
        if attempt.outcome != Outcome.CONFLICT:
            return {}
        if attempt.dingtalk_values is not None:
            current = attempt.dingtalk_values
            in_dingtalk = dingtalk.Conference(
                title=current["title"],
                starts_at=datetime.datetime.fromisoformat(current["starts_at"]),
                ends_at=datetime.datetime.fromisoformat(current["ends_at"]),
            )
            return {"in_dingtalk": in_dingtalk}
        changes_since = selectors.meeting_changes_since(meeting=meeting, version=attempt.based_on_version or 0)
        return {
            "saved_elsewhere": True,
            "changes_since": changes_since,
            "saved_by_you": all(change.user_id == self.request.user.pk for change in changes_since),
        }

    def post(self, request, *args, **kwargs):
        posted = {name: value for name, value in request.POST.items() if name not in _NOT_TYPED}
        key = services.form_submission_key(
            token=request.POST.get("submission", ""), meeting=self.meeting, user=request.user, posted=posted
        )
        url = reverse("meetings:edit", args=[self.meeting.pk])
        form = self.get_form()
        if not form.is_valid():
            return self._refused(key, posted, {})
        try:
            change = services.meeting_update(
                meeting=self.meeting,
                title=form.cleaned_data["title"],
                starts_at=form.cleaned_data["start_time"],
                ends_at=form.cleaned_data["end_time"],
                by=request.user,
                based_on_version=form.cleaned_data["version"],
                submission_key=key,
            )
        except services.SubmissionRepeated as repeated:  # answered from its first arrival's attempt
            return redirect(f"{url}?{urlencode({'submission': repeated.change.submission_key})}")
        except services.MeetingError as exc:
            if selectors.edit_submission_get(key=key, meeting=self.meeting, user=request.user) is not None:
                return redirect(f"{url}?{urlencode({'submission': key})}")  # the attempt's row says it
            warns = isinstance(
                exc, services.MeetingCanceled | services.MeetingOutcomeUnknown | services.MeetingConflict
            )
            level = messages.WARNING if warns else messages.ERROR
            return self._refused(key, posted, {"level": level, "message": exc.message})
        if change is None:
            messages.info(request, texts.MEETING_UNCHANGED)
        else:
            messages.success(request, texts.MEETING_UPDATED % _saved_values(self.meeting))
        return redirect(url)

    def _refused(self, key: str, posted: dict, answer: dict):
        """A submission that made no attempt: its page shows the input and `answer` from the session."""
        self.request.session[_REFUSED_FORM] = {
            "key": key,
            "meeting": self.meeting.pk,
            "posted": posted,
            "answer": answer,
        }
        url = reverse("meetings:edit", args=[self.meeting.pk])
        return redirect(f"{url}?{urlencode({'submission': key})}")


# The one next step a failed save offers, as a control beside its message: DingTalk refuses the stored creator
# (Change creator, or ask an office admin), or a passing failure where nothing was changed (Try again).
_NEXT_STEPS = {
    dingtalk.Code.PERMISSION_ERROR: "change_creator",
    dingtalk.Code.SYSTEM_ERROR: "try_again",
    **dict.fromkeys(dingtalk.Code.QPS_LIMITS, "try_again"),
    "DingTalkTimeout": "try_again",
    "DingTalkConnectionRefused": "try_again",
    "DingTalkConnectionDropped": "try_again",
}

# Posted names that are not the person's input.
_NOT_TYPED = ("csrfmiddlewaretoken", "submission")
# The session's key for the last submission that made no attempt (only the last one is kept).
_REFUSED_FORM = "meetings:refused_edit_form"


def _attempt_values(attempt: MeetingChange) -> dict:
    organization = attempt.organization
    return {
        "title": reveal_invisible(attempt.new_title),
        "start": texts.local_time(attempt.new_starts_at, organization),
        "end": texts.local_time(attempt.new_ends_at, organization),
        "time_zone": organization.time_zone,
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
        check_pending_save(request, self.meeting)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.meeting_change_list(meeting=self.meeting, user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)


def check_pending_save(request, meeting: Meeting) -> None:
    """Check the meeting's pending save if its wait is over, and say the answer; or the answer a page that
    waited for it (`?checked=<change>`, where the pending page reloads to) missed because a job was first.
    Only a locked meeting, or that reload, costs a query."""
    checked = None
    if meeting.update_lease_until is not None:
        try:
            checked = services.meeting_save_check(meeting=meeting)
        except services.MeetingError as exc:
            messages.warning(request, exc.message)
    if checked is None and "checked" in request.GET:
        checked = selectors.meeting_checked_change(meeting=meeting, pk=request.GET["checked"])
    if checked is not None:
        level = messages.SUCCESS if checked.outcome == checked.Outcome.SUCCESS else messages.WARNING
        messages.add_message(request, level, checked.message)


def pending_check(meeting: Meeting) -> dict | None:
    """What the edit page shows while the meeting is locked by a save under way or one being checked."""
    change = selectors.meeting_pending_change(meeting=meeting)
    if change is None:
        return None
    until = meeting.update_lease_until
    sentence = texts.CHECKING_WITH_DINGTALK if change.outcome == change.Outcome.UNKNOWN else texts.SAVE_UNDER_WAY
    seconds = (until - timezone.now()).total_seconds()
    return {
        "change": change,
        "text": sentence % {"wait": texts.wait_in_words(seconds)},
        # The page asks again just after the wait ends (asking settles it), at least every 10 seconds.
        "poll_after": min(max(int(seconds) + 2, 2), 10),
        "url": f"?{urlencode({'checked': change.pk})}",
    }


def _saved_values(meeting: Meeting) -> dict:
    organization = meeting.organization
    return {
        "title": reveal_invisible(meeting.title),
        "start": texts.local_time(meeting.starts_at, organization),
        "end": texts.local_time(meeting.ends_at, organization),
        "time_zone": organization.time_zone,
    }
