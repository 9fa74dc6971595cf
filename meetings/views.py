"""Thin views: form -> service -> message -> redirect (or the form again, with what was typed)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView

from . import exports, selectors, services
from . import messages as texts
from .forms import ActivityFilterForm, LoginForm, MeetingForm, MeetingRegisterForm
from .models import Meeting, MeetingChange


class MeetingListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "meetings.view_meeting"
    template_name = "meetings/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 25

    def get_queryset(self):
        return selectors.meeting_list(user=self.request.user, query=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.request.GET.get("q", ""), **kwargs)


class MeetingRegisterView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "meetings.add_meeting"
    template_name = "meetings/meeting_register.html"
    form_class = MeetingRegisterForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organizations": selectors.organization_list(user=self.request.user)}

    def form_valid(self, form):
        try:
            meeting = services.meeting_register(**form.cleaned_data, by=self.request.user)
        except services.MeetingError as exc:
            messages.error(self.request, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, texts.MEETING_REGISTERED % {"title": meeting.title})
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """The meeting of the URL, if the person's organizations include its organization; 404 otherwise."""

    @cached_property
    def meeting(self) -> Meeting:
        try:
            # A page shows who changed the meeting last; a save redirects (a refused one reads them on demand).
            return selectors.meeting_get(
                user=self.request.user, pk=self.kwargs["pk"], with_last_editor=self.request.method == "GET"
            )
        except Meeting.DoesNotExist:
            raise Http404 from None


class MeetingEditView(MeetingMixin, FormView):
    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_edit.html"
    form_class = MeetingForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "meeting": self.meeting,
            "may_reschedule": self.request.user.has_perm(services.RESCHEDULE_PERMISSION),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)

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
        except services.MeetingError as exc:
            level = messages.WARNING if meeting.is_canceled else messages.ERROR
            messages.add_message(self.request, level, exc.message)
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
        except services.MeetingError as exc:
            messages.add_message(request, messages.WARNING if meeting.is_canceled else messages.ERROR, exc.message)
        else:
            if change is None:
                messages.info(request, texts.MEETING_ALREADY_CURRENT)
            else:
                messages.success(request, texts.MEETING_REFRESHED % _saved_values(meeting))
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingHistoryView(MeetingMixin, ListView):
    permission_required = "meetings.view_meetingchange"
    template_name = "meetings/meeting_history.html"
    context_object_name = "changes"
    paginate_by = 50

    def get_queryset(self):
        return selectors.meeting_change_list(meeting=self.meeting)

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)


class ActivityView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Attempts across the person's organizations; `.csv` (or ?format=csv) exports every filtered row."""

    permission_required = "meetings.view_activity"
    template_name = "meetings/activity.html"
    context_object_name = "changes"
    paginate_by = 50

    @cached_property
    def filter_form(self) -> ActivityFilterForm:
        user = self.request.user
        return ActivityFilterForm(
            self.request.GET,
            organizations=selectors.organization_list(user=user),
            people=selectors.person_list(user=user),
        )

    def get_queryset(self):
        if not self.filter_form.is_valid():
            return MeetingChange.objects.none()
        return selectors.activity_list(user=self.request.user, **self.filter_form.cleaned_data)

    def get(self, request, *args, **kwargs):
        wants_csv = self.kwargs.get("format") == "csv" or request.GET.get("format") == "csv"
        if wants_csv and self.filter_form.is_valid():
            response = StreamingHttpResponse(
                exports.activity_csv_lines(self.get_queryset().iterator(chunk_size=500)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="meeting-activity.csv"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


def _saved_values(meeting: Meeting) -> dict:
    organization = meeting.organization
    return {
        "title": meeting.title,
        "start": texts.local_time(meeting.starts_at, organization),
        "end": texts.local_time(meeting.ends_at, organization),
        "time_zone": organization.time_zone,
    }


class LoginView(auth_views.LoginView):
    """Django's login, throttled: a refused attempt says when to try again, with 429 and Retry-After."""

    authentication_form = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
