"""What a page that waits asks for, instead of reloading itself: JSON for static/js/poll.js.

Each answer is `{"done": bool, "announce": "a sentence", "html": {element id: its new content}, "next": url}`:
the script puts the HTML in place, says the sentence through the page's live region, stops once done and
goes to `next` if there is one. The HTML is the page's own fragment template, rendered as the page does.
"""

from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from .. import services
from .bulk_rename import BulkRenameJobView
from .imports import MeetingImportDetailView
from .meetings import MeetingEditView, pending_check
from .scheduling import MeetingCreateView, booking_runs


def _text(html: str) -> str:
    return " ".join(strip_tags(html).split())


class MeetingImportProgressView(MeetingImportDetailView):
    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        fragment = render_to_string("meetings/_import_progress.html", context, request=request)
        status = render_to_string("meetings/_import_status.html", context, request=request)
        return JsonResponse(
            {
                "done": not self.meeting_import.in_progress,
                "announce": _text(status),
                "html": {"import-progress": fragment, "import-status-line": status},
            }
        )


class BulkRenameProgressView(BulkRenameJobView):
    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        fragment = render_to_string("meetings/_bulk_rename_progress.html", context, request=request)
        progress = context["progress"]
        announce = render_to_string("meetings/_bulk_rename_announce.html", context, request=request)
        return JsonResponse(
            {
                "done": context["finished"],
                "announce": _text(announce) if progress else "",
                "html": {"bulk-rename-progress": fragment},
            }
        )


class MeetingCheckView(MeetingEditView):
    """While a save is being checked with DingTalk: still waiting (with the sentence), or where to read the answer."""

    def get(self, request, *args, **kwargs):
        meeting = self.meeting
        if meeting.update_lease_until is not None:
            # Reads DingTalk once the wait is over, as the page does; the page at `next` says the answer.
            try:
                services.meeting_save_check(meeting=meeting)
            except services.MeetingError:
                pass  # not settled: the wait goes on, and the answer shows when it is
            meeting.refresh_from_db()
        pending = pending_check(meeting)
        if pending is not None and not self._attempt_moved_on(meeting):
            # The wait in words, in place in the page's message (#outcome-wait), said when it changes.
            return JsonResponse({"done": False, "announce": pending["text"], "html": {"outcome-wait": pending["wait"]}})
        # The page goes on to its own answer's address (data-poll-next): ?checked= or its ?submission=.
        return JsonResponse({"done": True, "announce": "", "html": {}})

    def _attempt_moved_on(self, meeting) -> bool:
        """The page of a person's attempt (`?attempt=<pk>&shown=<outcome>`) shows an outcome the attempt no longer
        has (its save timed out, and the check waits): the page goes on to say the new one."""
        attempt, shown = self.request.GET.get("attempt", ""), self.request.GET.get("shown", "")
        if not (attempt.isdigit() and shown):
            return False
        return meeting.changes.filter(pk=attempt, user=self.request.user).exclude(outcome=shown).exists()


class BookingProgressView(MeetingCreateView):
    """While a booking of the person's waits for DingTalk (`?submission=<key>`): done once it does not, and the
    booking page (data-poll-next: its ?submission=) says the outcome."""

    def get(self, request, *args, **kwargs):
        attempt = self.attempt
        return JsonResponse({"done": attempt is None or not booking_runs(attempt), "announce": "", "html": {}})
