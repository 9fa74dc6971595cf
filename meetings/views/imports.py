"""/meetings/import/: many meetings at once. The web request only stores the lines (the service queues a job); the
progress page refreshes itself (a meta refresh: the CSP allows no inline script) until the job is done."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from .. import selectors, services, texts
from ..forms import MeetingImportForm
from ..models import MeetingImport
from .access import OrganizationsFormMixin
from .registration import REGISTER_PERMISSION

# Seconds between two loads of the progress page while the job runs.
REFRESH_SECONDS = 2


class MeetingImportView(LoginRequiredMixin, PermissionRequiredMixin, OrganizationsFormMixin, FormView):
    permission_required = REGISTER_PERMISSION
    template_name = "meetings/meeting_import.html"
    form_class = MeetingImportForm

    def form_valid(self, form):
        meeting_import = services.import_create(
            organization=form.cleaned_data["organization"],
            text=form.cleaned_data["lines"],
            by=self.request.user,
            language=translation.get_language() or "",
        )
        messages.info(self.request, texts.IMPORT_STARTED)
        return redirect("meetings:import_detail", pk=meeting_import.pk)


class MeetingImportDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The preview, the confirm button (`confirm`), the progress and the per-line results of one import."""

    permission_required = REGISTER_PERMISSION
    template_name = "meetings/meeting_import_detail.html"

    @cached_property
    def meeting_import(self) -> MeetingImport:
        try:
            return selectors.import_get(user=self.request.user, pk=self.kwargs["pk"])
        except MeetingImport.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        meeting_import = self.meeting_import
        return super().get_context_data(
            meeting_import=meeting_import,
            lines=meeting_import.lines.all(),
            counts=selectors.import_counts(meeting_import=meeting_import),
            refresh_seconds=REFRESH_SECONDS if meeting_import.in_progress else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        meeting_import = self.meeting_import
        if "confirm" in request.POST and services.import_confirm(meeting_import=meeting_import, by=request.user):
            messages.info(request, texts.IMPORT_CONFIRMED)
        else:
            messages.warning(request, texts.IMPORT_NOT_WAITING)
        return redirect("meetings:import_detail", pk=meeting_import.pk)
