"""What a page may reach: the meeting of its URL and the organizations its form offers, both the person's own."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils.functional import cached_property

from .. import selectors
from ..models import Meeting


class MeetingMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """The meeting of the URL, if the person's organizations include its organization; 404 otherwise."""

    include_removed = False  # a meeting removed from the portal is a 404, except where this says otherwise

    @cached_property
    def meeting(self) -> Meeting:
        try:
            # A page shows who changed the meeting last; a save redirects (a refused one reads them on demand).
            return selectors.meeting_get(
                user=self.request.user,
                pk=self.kwargs["pk"],
                include_removed=self.include_removed,
                with_last_editor=self.request.method == "GET",
            )
        except Meeting.DoesNotExist:
            raise Http404 from None


class OrganizationsFormMixin:
    """A FormView whose form offers the person's organizations (its `organizations` argument)."""

    @cached_property
    def organizations(self):
        return selectors.organization_list(user=self.request.user)

    def get_initial(self):
        # A person of one organization never has to choose it.
        initial = super().get_initial()
        if "organization" not in initial and len(self.organizations) == 1:
            initial["organization"] = self.organizations[0].pk
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organizations": self.organizations}
