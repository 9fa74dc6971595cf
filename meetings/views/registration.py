"""Bringing meetings into the portal and out of it: add by meeting number or IDs, change the creator, remove."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from .. import selectors, services, texts
from ..forms import MeetingAddForm, MeetingCreatorForm
from ..validators import reveal_invisible
from . import next_step
from .access import MeetingMixin, OrganizationsFormMixin

# Office admins add meetings; the creator and removal belong to what adding stored.
REGISTER_PERMISSION = "meetings.add_meeting"


class MeetingRegisterView(LoginRequiredMixin, PermissionRequiredMixin, OrganizationsFormMixin, FormView):
    """Add a booked meeting: by its number (one found: added; several: the person picks one), or by its IDs.

    Every step re-posts what was typed, so the page holds no state between the steps.
    """

    permission_required = REGISTER_PERMISSION
    template_name = "meetings/meeting_register.html"
    form_class = MeetingAddForm

    def get_initial(self):
        # ?meeting_number=: from the list's "no match" for a number, typed in already.
        initial = super().get_initial()
        if self.request.GET.get("meeting_number"):
            initial["meeting_number"] = self.request.GET["meeting_number"]
        return initial

    def form_invalid(self, form):
        return self.render_to_response(
            self.get_context_data(form=form, existing=self._visible(form.registered_meeting))
        )

    def _visible(self, meeting):
        """The meeting to link to, if the person may see it (another organization's stays unnamed)."""
        if meeting is None or not selectors.meeting_list(user=self.request.user).filter(pk=meeting.pk).exists():
            return None
        return meeting

    def form_valid(self, form):
        data = form.cleaned_data
        common = {"organization": data["organization"], "by": self.request.user}
        try:
            if data["meeting_number_digits"]:
                meeting = services.meeting_register_by_number(
                    meeting_number=data["meeting_number_digits"],
                    schedule_conference_id=data["schedule_conference_id"],
                    creator_union_id=data["creator_union_id"],
                    **common,
                )
            else:
                meeting = services.meeting_register(
                    schedule_conference_id=data["schedule_conference_id"],
                    creator_union_id=data["creator_union_id"],
                    **common,
                )
        except services.SeveralMeetings as exc:
            messages.info(self.request, exc.message)
            return self.render_to_response(self.get_context_data(form=form, candidates=exc.candidates))
        except services.CreatorRefused as exc:
            form.add_error("creator_union_id", exc.message)
            return self.render_to_response(self.get_context_data(form=form, chosen=exc.candidate, ask_creator=True))
        except services.MeetingNumberNotFound as exc:
            form.add_error("meeting_number", exc.message)
            return self.form_invalid(form)
        except services.MeetingAlreadyRegistered as exc:
            form.add_error("meeting_number" if data["meeting_number_digits"] else "schedule_conference_id", exc.message)
            return self.render_to_response(self.get_context_data(form=form, existing=self._visible(exc.meeting)))
        except services.MeetingError as exc:
            if exc.field is not None:
                form.add_error(exc.field, exc.message)
                return self.form_invalid(form)
            shown = next_step.outcome(
                exc, request=self.request, form_id="register-form", organization=data["organization"]
            )
            return self.render_to_response(self.get_context_data(form=form, outcome=shown))
        text = texts.MEETING_RESTORED if meeting.version > 1 else texts.MEETING_REGISTERED
        messages.success(self.request, text % {"title": reveal_invisible(meeting.title)})
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingCreatorView(MeetingMixin, FormView):
    """Change creator: store another creator once DingTalk accepts it (the way out of permissionError)."""

    permission_required = REGISTER_PERMISSION
    template_name = "meetings/meeting_creator.html"
    form_class = MeetingCreatorForm

    def get_initial(self):
        return {"creator_union_id": self.meeting.creator_union_id}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        me = selectors.dingtalk_identity(self.request.user)
        if me is not None and "me" in kwargs.get("data", {}):
            # "Me": the person's own DingTalk unionId, checked with DingTalk like any other.
            kwargs["data"] = kwargs["data"].copy()
            kwargs["data"]["creator_union_id"] = me[0]
        return kwargs

    def get_context_data(self, **kwargs):
        me = selectors.dingtalk_identity(self.request.user)
        me_label = texts.CREATOR_ME % {"nick": me[1]} if me else ""
        return super().get_context_data(meeting=self.meeting, me_label=me_label, **kwargs)

    def form_valid(self, form):
        meeting = self.meeting
        try:
            change = services.meeting_change_creator(
                meeting=meeting, creator_union_id=form.cleaned_data["creator_union_id"], by=self.request.user
            )
        except services.CreatorRefused as exc:
            form.add_error("creator_union_id", exc.message)
            return self.form_invalid(form)
        except services.MeetingError as exc:
            shown = next_step.outcome(
                exc, request=self.request, form_id="creator-form", meeting=meeting, organization=meeting.organization
            )
            return self.render_to_response(self.get_context_data(form=form, outcome=shown))
        if change is None:
            messages.info(self.request, texts.CREATOR_UNCHANGED)
        else:
            messages.success(
                self.request,
                texts.CREATOR_CHANGED % {"title": reveal_invisible(meeting.title), "creator": meeting.creator_union_id},
            )
        return redirect("meetings:edit", pk=meeting.pk)


class MeetingRemoveView(MeetingMixin, TemplateView):
    """Remove from the portal: GET asks first; POST takes the meeting off the list. DingTalk is not called;
    the history stays."""

    permission_required = REGISTER_PERMISSION
    template_name = "meetings/meeting_remove.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)

    def post(self, request, *args, **kwargs):
        meeting = self.meeting
        services.meeting_remove(meeting=meeting, by=request.user)
        messages.success(request, texts.MEETING_REMOVED % {"title": reveal_invisible(meeting.title)})
        return redirect("meetings:list")
