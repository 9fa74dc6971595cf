"""Bulk rename: the form with its preview, starting the job, and the job's progress and results."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView

from .. import selectors, services, texts
from ..forms import BulkRenameForm
from ..models import BulkRename
from .access import OrganizationsFormMixin

# Seconds between the progress page's reloads while the job runs (a meta refresh: no script, CSP-safe).
PROGRESS_REFRESH_SECONDS = 2


class BulkRenameView(LoginRequiredMixin, PermissionRequiredMixin, OrganizationsFormMixin, FormView):
    """GET with `find`: the preview. POST with `confirm`: start the job with the same fields."""

    permission_required = "meetings.bulk_rename_meetings"
    template_name = "meetings/bulk_rename.html"
    form_class = BulkRenameForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and "find" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_bound or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        rows = services.bulk_rename_preview(user=request.user, **form.job_arguments)
        if not rows:
            messages.info(request, texts.BULK_NOTHING_TO_RENAME)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                rows=rows,
                renameable=sum(1 for row in rows if not row.problem),
            )
        )

    def form_valid(self, form):
        if "confirm" not in self.request.POST:
            # Not the confirm button: show the preview for these fields (never the CSRF token in a URL).
            fields = self.request.POST.copy()
            fields.pop("csrfmiddlewaretoken", None)
            return redirect(f"{self.request.path}?{fields.urlencode()}")
        job = services.bulk_rename_start(by=self.request.user, **form.job_arguments)
        count = job.items.count()
        if not count:
            messages.info(self.request, texts.BULK_NOTHING_TO_RENAME)
        else:
            messages.success(self.request, texts.BULK_STARTED % {"count": count})
        return redirect("meetings:bulk_rename_job", pk=job.pk)


class BulkRenameJobView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """A job's progress (reloading itself until it is done), then every meeting's result."""

    permission_required = "meetings.bulk_rename_meetings"
    template_name = "meetings/bulk_rename_job.html"
    context_object_name = "job"

    def get_queryset(self):
        jobs = BulkRename.objects.select_related("organization", "created_by")
        return jobs if self.request.user.is_superuser else jobs.filter(created_by=self.request.user)

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except BulkRename.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        job = self.object
        progress = selectors.bulk_rename_progress(job=job)
        finished = job.status == BulkRename.Status.DONE or not progress.left
        return super().get_context_data(
            progress=progress,
            finished=finished,
            refresh_seconds=None if finished else PROGRESS_REFRESH_SECONDS,
            items=job.items.select_related("meeting__organization"),
            regex_text=texts.BULK_JOB_REGEX,
            whole_word_text=texts.BULK_JOB_WHOLE_WORD,
            **kwargs,
        )
