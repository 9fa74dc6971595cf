"""The activity log across a person's organizations, and its CSV export."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.views.generic import ListView

from .. import exports, selectors
from ..forms import ActivityFilterForm
from ..models import MeetingChange


class ActivityView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Attempts across the person's organizations; the `activity.csv` URL exports every filtered row."""

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
        if self.kwargs.get("format") == "csv" and self.filter_form.is_valid():
            # Every line is written before the response starts: a failure is then a visible error page,
            # never a file cut short under a 200.
            lines = exports.activity_csv_lines(self.get_queryset().iterator(chunk_size=500))
            response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="meeting-activity.csv"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)
