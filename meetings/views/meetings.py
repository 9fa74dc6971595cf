"""One meeting's screens: the list, editing, taking DingTalk's values, its history (adding: registration.py)."""

import datetime
from dataclasses import replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView

from .. import dingtalk, selectors, services, texts
from ..clock import database_now
from ..forms import MeetingForm, MeetingSearchForm
from ..models import Meeting, MeetingChange
from ..validators import reveal_invisible
from .access import MeetingMixin
from .outcome import (
    ASK_ADMIN,
    CHANGE_CREATOR,
    TRY_AGAIN,
    NextStep,
    Outcome,
    ask_office_admin_about,
    change_creator,
    for_code,
    outcome_from_message,
    try_again,
)
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
    # What the GET's check of a pending save found (settle_pending_save).
    checked: MeetingChange | None = None
    check_failed = ""

    def get_initial(self):
        attempt = self.attempt
        if attempt is not None and attempt.outcome != MeetingChange.Outcome.SUCCESS:
            # A save checked as not saved is tried again on what DingTalk has now (the page says it).
            checked = attempt.outcome == MeetingChange.Outcome.NOT_APPLIED
            return {  # what the attempt sent, with a token of its own: submitting it again is a new save
                "title": attempt.new_title,
                "start_time": attempt.new_starts_at,
                "end_time": attempt.new_ends_at,
                "version": self.meeting.version if checked else attempt.based_on_version,
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
        # Before the form is built from the meeting's values. The page of the person's own attempt says its
        # answer itself; any other answer is a message.
        self.checked, self.check_failed = settle_pending_save(request, self.meeting)
        checked = self.checked
        if self.attempt is None and checked is not None and checked.outcome == MeetingChange.Outcome.NOT_APPLIED:
            if checked.user_id == request.user.pk and checked.submission_key:
                # The person's own save, checked as not saved: the page of their submission brings back what
                # they typed (this page would show the meeting's values).
                url = reverse("meetings:edit", args=[self.meeting.pk])
                return redirect(f"{url}?{urlencode({'submission': checked.submission_key})}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        context = {
            "meeting": self.meeting,
            "canceled_notice": texts.MEETING_CANCELED_NOTICE,
            "saving": texts.SAVING % {"seconds": round(settings.DINGTALK_DEADLINE)},
            "pending_check": pending_check(self.meeting),
        }
        if self.checked is not None and (self.attempt is None or self.checked.pk != self.attempt.pk):
            if self.attempt is None and _own_settings_not_applied(self.request, self.checked):
                # The settings page brings back what they chose: Try again opens it.
                url = reverse("meetings:settings", args=[self.meeting.pk])
                summary = {"fields": self.checked.settings_summary()}
                context["outcome"] = Outcome(
                    level="warning",
                    text=str(texts.CHECKED_YOURS_SETTINGS_NOT_SAVED % summary),
                    next_step=NextStep(label=str(texts.NEXT_TRY_AGAIN), url=url),
                )
            else:
                say_checked(self.request, self.checked)
        if self.check_failed and self.attempt is None:
            # One message: why the check waits on, and for how long (the box saying "checking" gives way).
            context["outcome"] = outcome_from_message("warning", self.check_failed)
        elif self.check_failed and self.attempt.outcome not in MeetingChange.PENDING:
            messages.warning(self.request, self.check_failed)
        if self.attempt is not None:
            context.update(self._attempt_context(context["pending_check"]))
        elif self.refused is not None:
            kwargs["form"].is_valid()  # the field errors, as the POST found them
            answer = self.refused["answer"]
            if answer.get("message"):
                level = "warning" if answer["level"] == messages.WARNING else "error"
                context["outcome"] = outcome_from_message(level, answer["message"])
        return super().get_context_data(**context, **kwargs)

    def _attempt_context(self, pending: dict | None) -> dict:
        """What the page of an attempt shows besides the form: its outcome as the page's one message, the
        conflict; while it runs or waits for the check, the wait, kept current by static/js/poll.js."""
        attempt, meeting = self.attempt, self.meeting
        Result = MeetingChange.Outcome
        if pending is not None:  # the poll comes back here, to this attempt's own answer
            url = f"?{urlencode({'submission': attempt.submission_key})}"
            pending = {**pending, "url": url}
            if attempt.outcome in MeetingChange.PENDING:  # the page is done when its attempt's outcome changes
                pending["shown"] = urlencode({"attempt": attempt.pk, "shown": attempt.outcome})
        if attempt.outcome == Result.IN_PROGRESS:
            wait = pending["wait"] if pending else ""
            shown = Outcome(level="info", text=str(texts.FORM_BEING_SAVED), wait=wait)
            return {"outcome": shown, "pending_check": pending and {**pending, "poll_after": 2}}
        if attempt.outcome == Result.SUCCESS:
            messages.success(self.request, self._saved_sentence(attempt))
            return {}
        if attempt.outcome == Result.FAILED and attempt.dingtalk_code != dingtalk.Code.RESOURCE_CANCEL:
            return {"outcome": self._failed_outcome(attempt)}
        if attempt.outcome == Result.NOT_APPLIED:
            step = try_again(_FORM_ID) if pending is None and not meeting.is_canceled else None
            return {"outcome": Outcome(level="warning", text=self._not_saved_sentence(attempt), next_step=step)}
        wait = ""
        if pending is not None:
            wait = self.check_failed or pending["wait"]
        shown = outcome_from_message("warning", attempt.message_shown, request_id=attempt.request_id, wait=wait)
        context = {"outcome": shown, "pending_check": pending}
        if attempt.outcome != Result.CONFLICT:
            return context
        if attempt.dingtalk_values is not None:
            current = attempt.dingtalk_values
            in_dingtalk = dingtalk.Conference(
                title=current["title"],
                starts_at=datetime.datetime.fromisoformat(current["starts_at"]),
                ends_at=datetime.datetime.fromisoformat(current["ends_at"]),
            )
            return {**context, "in_dingtalk": in_dingtalk}
        if meeting.version == attempt.based_on_version:
            # Stopped by a save under way or one waiting for its check, and nothing saved since: once the
            # meeting is free, try again.
            if pending is None and not meeting.is_canceled:
                context["outcome"] = replace(shown, wait=str(texts.FREE_AGAIN), next_step=try_again(_FORM_ID))
            return context
        changes_since = selectors.meeting_changes_since(meeting=meeting, version=attempt.based_on_version or 0)
        return {
            **context,
            "saved_elsewhere": True,
            "changes_since": changes_since,
            "saved_by_you": all(change.user_id == self.request.user.pk for change in changes_since),
        }

    def _saved_sentence(self, attempt: MeetingChange) -> str:
        if attempt.checked_at is not None:  # it was unknown first: the person's own words for the check
            return texts.CHECKED_YOURS_SAVED % _attempt_values(attempt)
        if not attempt.message or (attempt.message_sentence or {}).get("code") == "MEETING_UPDATED":
            return texts.MEETING_UPDATED % _attempt_values(attempt)  # its title with invisible characters shown
        return attempt.message_shown

    def _not_saved_sentence(self, attempt: MeetingChange) -> str:
        """A save checked as not saved, to the person who made it: what DingTalk has, whether it changed there."""
        meeting = self.meeting
        there = attempt.dingtalk_values
        if there is None:  # checked before the check kept DingTalk's values: the portal has them since
            there = {"title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at}
        else:
            there = {
                "title": there["title"],
                "starts_at": datetime.datetime.fromisoformat(there["starts_at"]),
                "ends_at": datetime.datetime.fromisoformat(there["ends_at"]),
            }
        before = {"title": attempt.old_title, "starts_at": attempt.old_starts_at, "ends_at": attempt.old_ends_at}
        sentence = texts.CHECKED_YOURS_NOT_SAVED if there == before else texts.CHECKED_YOURS_NOT_SAVED_CHANGED_THERE
        organization = meeting.organization
        return sentence % {
            "title": reveal_invisible(there["title"]),
            "start": texts.local_time(there["starts_at"], organization),
            "end": texts.local_time(there["ends_at"], organization),
            "time_zone": texts.zone_name(organization.time_zone, there["starts_at"]),
        }

    def _failed_outcome(self, attempt: MeetingChange) -> Outcome:
        """A save DingTalk refused, or that never reached it: nothing changed; the one next step."""
        meeting, request = self.meeting, self.request
        step = None
        kind = for_code(attempt.dingtalk_code)
        if kind == CHANGE_CREATOR:
            step = change_creator(meeting, user=request.user, request=request, request_id=attempt.request_id)
        elif kind == TRY_AGAIN and not meeting.is_canceled:
            step = try_again(_FORM_ID)
        elif kind == ASK_ADMIN:
            what = texts.split_request_id(attempt.message_shown)[0]
            step = ask_office_admin_about(meeting, request=request, what=what, request_id=attempt.request_id)
        return outcome_from_message("error", attempt.message_shown, request_id=attempt.request_id, next_step=step)

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


# The edit form's id: "Try again" submits it, with what was typed.
_FORM_ID = "meeting-form"

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
        "time_zone": texts.zone_name(organization.time_zone, attempt.new_starts_at),
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
    """Check the meeting's pending save if its wait is over, and say the answer (see settle_pending_save)."""
    checked, failed = settle_pending_save(request, meeting)
    if failed:
        messages.warning(request, failed)
    if checked is not None:
        say_checked(request, checked)


def settle_pending_save(request, meeting: Meeting) -> tuple[MeetingChange | None, str]:
    """Check the meeting's pending save if its wait is over: the checked row -- or the one a page that waited
    for it (`?checked=<change>`, where the pending page reloads to) missed because a job was first -- and the
    sentence of a check that could not be made. Only a locked meeting, or that reload, costs a query."""
    checked, failed = None, ""
    if meeting.update_lease_until is not None:
        try:
            checked = services.meeting_save_check(meeting=meeting)
        except services.MeetingError as exc:
            failed = exc.message
    if checked is None and "checked" in request.GET:
        checked = selectors.meeting_checked_change(meeting=meeting, pk=request.GET["checked"])
    return checked, failed


def _own_settings_not_applied(request, checked: MeetingChange) -> bool:
    return (
        checked.action == MeetingChange.Action.SETTINGS
        and checked.outcome == MeetingChange.Outcome.NOT_APPLIED
        and checked.user_id == request.user.pk
    )


def say_checked(request, checked: MeetingChange) -> None:
    level = messages.SUCCESS if checked.outcome == checked.Outcome.SUCCESS else messages.WARNING
    messages.add_message(request, level, checked.message)


def pending_check(meeting: Meeting) -> dict | None:
    """What the edit page shows while the meeting is locked by a save under way or one being checked: the
    sentence, and the wait in words ("about 15 seconds"), from the lock and the database's clock."""
    change = selectors.meeting_pending_change(meeting=meeting)
    if change is None:
        return None
    seconds = (meeting.update_lease_until - database_now()).total_seconds()
    unknown = change.outcome == change.Outcome.UNKNOWN
    sentence = texts.CHECKING_WITH_DINGTALK if unknown else texts.SAVE_UNDER_WAY
    wait = {"wait": texts.wait_in_words(seconds)}
    if seconds <= 0:
        waiting = texts.WAIT_CHECKING_NOW if unknown else ""
    else:
        waiting = (texts.WAIT_FOR_CHECK if unknown else texts.WAIT_FOR_ANSWER) % wait
    return {
        "change": change,
        "text": sentence % wait,
        "wait": str(waiting),  # the page's message's wait (#outcome-wait)
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
        "time_zone": texts.zone_name(organization.time_zone, meeting.starts_at),
    }
