"""Thin views: form -> service -> message -> redirect (or the form again, with what was typed)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, ListView

from . import messages as texts
from . import selectors, services
from .forms import DATETIME_LOCAL_FORMAT, LoginForm, MeetingForm, MeetingRegisterForm
from .models import Meeting


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


class MeetingEditView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "meetings.change_meeting"
    template_name = "meetings/meeting_edit.html"
    form_class = MeetingForm

    @cached_property
    def meeting(self) -> Meeting:
        try:
            return selectors.meeting_get(user=self.request.user, pk=self.kwargs["pk"])
        except Meeting.DoesNotExist:
            raise Http404 from None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

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
            )
        except services.MeetingError as exc:
            level = messages.WARNING if meeting.is_canceled else messages.ERROR
            messages.add_message(self.request, level, exc.message)
            return self.form_invalid(form)
        if change is None:
            messages.info(self.request, texts.MEETING_UNCHANGED)
        else:
            messages.success(
                self.request,
                texts.MEETING_UPDATED
                % {
                    "title": meeting.title,
                    "start": meeting.local_starts_at.strftime(DATETIME_LOCAL_FORMAT.replace("T", " ")),
                    "end": meeting.local_ends_at.strftime(DATETIME_LOCAL_FORMAT.replace("T", " ")),
                    "time_zone": meeting.organization.time_zone,
                },
            )
        return redirect("meetings:edit", pk=meeting.pk)

class LoginView(auth_views.LoginView):
    """Django's login, throttled: a refused attempt says when to try again, with 429 and Retry-After."""

    authentication_form = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
