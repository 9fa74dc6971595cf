from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from meetings import texts

from . import selectors, services
from .dingtalk import allow_sign_in_form, login_configured
from .forms import LoginForm, PersonDecisionForm


class LoginView(auth_views.LoginView):
    """Django's login, throttled (accounts/throttle.py): a refused attempt says when to try again, and
    AxesMiddleware answers it with 429 and Retry-After. "Sign in with DingTalk" comes first when set up."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, dingtalk_login=login_configured(), password_login=settings.PASSWORD_LOGIN
        )

    def render_to_response(self, context, **response_kwargs):
        return allow_sign_in_form(super().render_to_response(context, **response_kwargs))


class LogoutView(auth_views.LogoutView):
    """Django's logout, and the login page it leads to says so."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, texts.LOGGED_OUT)
        return response


class PeopleMixin(PermissionRequiredMixin):
    permission_required = "accounts.approve_person"


class PeopleView(PeopleMixin, TemplateView):
    """/people/: who waits for approval in the office admin's organizations, and who has access."""

    template_name = "accounts/people.html"

    def get_context_data(self, forms=None, **kwargs):
        forms = forms or {}
        pending = [
            (person, forms.get(person.pk) or PersonDecisionForm(approver=self.request.user, person=person))
            for person in selectors.people_pending_for(self.request.user)
        ]
        roles = {group: dict(PersonDecisionForm.ROLES)[role] for role, group in services.ROLE_GROUPS.items()}
        approved = [
            (person, ", ".join(str(roles[g.name]) for g in person.user.groups.all() if g.name in roles))
            for person in selectors.people_approved_for(self.request.user)
        ]
        # Times in the zone of the office admin's (first) organization, named in words like every other page's.
        zone_organization = selectors.organizations_of(self.request.user).first()
        return super().get_context_data(
            **kwargs, pending=pending, approved=approved, zone_organization=zone_organization
        )


class PersonDecideView(PeopleMixin, View):
    """The pending person's form: `approve` (with role and organizations) or `refuse`."""

    def post(self, request, pk):
        person = get_object_or_404(selectors.people_pending_for(request.user).select_related("user"), pk=pk)
        try:
            if "refuse" in request.POST:
                services.person_refuse(person=person, by=request.user)
                messages.success(request, texts.PERSON_REFUSED % {"nick": person.nick})
                return redirect("people")
            if "approve" not in request.POST:
                raise Http404
            form = PersonDecisionForm(request.POST, approver=request.user, person=person)
            if not form.is_valid():
                view = PeopleView(request=request, args=(), kwargs={})
                return view.render_to_response(view.get_context_data(forms={person.pk: form}), status=400)
            role = form.cleaned_data["role"]
            services.person_approve(
                person=person, role=role, organizations=form.cleaned_data["organizations"], by=request.user
            )
            role_name = dict(PersonDecisionForm.ROLES)[role]
            messages.success(request, texts.PERSON_APPROVED % {"nick": person.nick, "role": role_name})
        except services.PersonAlreadyDecided:
            messages.warning(request, texts.PERSON_ALREADY_DECIDED % {"nick": person.nick})
        return redirect("people")


class PersonRemoveView(PeopleMixin, View):
    def post(self, request, pk):
        people = selectors.people_approved_for(request.user).exclude(user=request.user)
        person = get_object_or_404(people, pk=pk)
        try:
            services.person_remove(person=person, by=request.user)
            messages.success(request, texts.PERSON_REMOVED % {"nick": person.nick})
        except services.PersonAlreadyDecided:
            messages.warning(request, texts.PERSON_ALREADY_DECIDED % {"nick": person.nick})
        return redirect("people")
