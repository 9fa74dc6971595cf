"""The peer admin sites: Meeting's title and times editable, DingTalk called from `save_model`.

Written as a competent team would write it, not to lose: the person sees only their organizations'
meetings (as in the portal), the meeting comes with its organization in one query, DingTalk is reached
through the portal's client and token handling, and a DingTalk failure leaves the meeting as it was with
an error message. What it does not have is what the portal adds: no version check against the form the
person opened, no lease against two saves at once, no audit row for a failed attempt (the admin's own
LogEntry records a successful change only).

The fourth site, careful + durable, is the careful hook given the portal's two promises the way a careful
team would add them to the admin: an idempotency key on the form and a write-ahead row before DingTalk is
called (see CarefulDurableMeetingAdmin).

The admin runs `save_model` inside `transaction.atomic`, so the DingTalk calls happen inside the
transaction; on SQLite (transaction_mode IMMEDIATE) that holds the write lock through them. That is the
admin's design, measured as it is (benchmarks/throughput.py).
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m
from django.db import IntegrityError, transaction

from benchmarks import common

app = common.portal()


class ChangedInDingTalk(Exception):
    """DingTalk's title or times differ from what the admin has stored."""


class PlainMeetingAdmin(admin.ModelAdmin):
    """The admin's own save, no DingTalk call: the floor."""

    fields = ["title", "starts_at", "ends_at"]
    list_display = ["title", "starts_at", "ends_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("organization")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NaiveMeetingAdmin(PlainMeetingAdmin):
    """One PUT with the new values, then the admin's save."""

    def save_model(self, request, obj, form, change):
        try:
            app.call_with_token(organization=obj.organization, call=lambda token: self.send(token, obj, form))
        except (app.DingTalkError, ChangedInDingTalk) as error:
            self.message_user(request, f"DingTalk did not take the change: {error}", messages.ERROR)
            return
        super().save_model(request, obj, form, change)

    def send(self, access_token, obj, form):
        self.client(obj).update_schedule_conference(
            access_token=access_token,
            creator_union_id=obj.creator_union_id,
            schedule_conference_id=obj.schedule_conference_id,
            title=obj.title,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
        )

    @staticmethod
    def client(obj):
        return app.DingTalkClient(obj.organization.api_base)


class CarefulMeetingAdmin(NaiveMeetingAdmin):
    """Reads DingTalk first and stops when it no longer has what is stored; then the PUT."""

    def send(self, access_token, obj, form):
        current = self.client(obj).get_schedule_conference(
            access_token=access_token,
            schedule_conference_id=obj.schedule_conference_id,
            creator_union_id=obj.creator_union_id,
        )
        stored = (form.initial["title"], form.initial["starts_at"], form.initial["ends_at"])
        if (current.title, current.starts_at, current.ends_at) != stored:
            raise ChangedInDingTalk("it was changed in DingTalk meanwhile")
        super().send(access_token, obj, form)


class DurableMeetingForm(forms.ModelForm):
    """The admin's form with an idempotency key: a hidden token, new at every page load."""

    submission = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, max_length=64)

    class Meta:
        model = app.Meeting
        fields = ["title", "starts_at", "ends_at"]


class CarefulDurableMeetingAdmin(CarefulMeetingAdmin):
    """The careful hook with an idempotency key on the form and a write-ahead row, as a careful team would do.

    The row is an audit row (the portal's MeetingChange table, so both sides write rows alike): INSERTed
    IN_PROGRESS with the form's key (unique) and committed before the first byte goes to DingTalk, so a
    process killed mid-save leaves it on record; completed with the outcome in the same transaction as the
    admin's save. The same form posted again fails the INSERT and is told so; nothing is sent twice. The
    admin runs the whole change view in one transaction, which would keep the row uncommitted through the
    DingTalk calls, so this site runs it outside (Django's own `_changeform_view`), each write in its own.
    """

    form = DurableMeetingForm
    fields = ["title", "starts_at", "ends_at", "submission"]

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        attempt = app.MeetingChange(
            meeting=obj,
            organization=obj.organization,
            user=request.user,
            action=app.MeetingChange.Action.UPDATE,
            outcome=app.MeetingChange.Outcome.IN_PROGRESS,
            old_title=form.initial["title"],
            old_starts_at=form.initial["starts_at"],
            old_ends_at=form.initial["ends_at"],
            new_title=obj.title,
            new_starts_at=obj.starts_at,
            new_ends_at=obj.ends_at,
            submission_key=form.cleaned_data["submission"],
        )
        try:
            with transaction.atomic():
                attempt.save()  # the write-ahead row, committed before DingTalk is called
        except IntegrityError:
            self.message_user(request, "This form was already sent.", messages.WARNING)
            return
        try:
            app.call_with_token(organization=obj.organization, call=lambda token: self.send(token, obj, form))
        except (app.DingTalkError, ChangedInDingTalk) as error:
            attempt.outcome, attempt.message = app.MeetingChange.Outcome.FAILED, str(error)
            attempt.save(update_fields=["outcome", "message"])
            self.message_user(request, f"DingTalk did not take the change: {error}", messages.ERROR)
            return
        with transaction.atomic():
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            attempt.outcome = app.MeetingChange.Outcome.SUCCESS
            attempt.save(update_fields=["outcome"])


SITES = {}
for name, model_admin in (
    ("careful", CarefulMeetingAdmin),
    ("durable", CarefulDurableMeetingAdmin),
    ("naive", NaiveMeetingAdmin),
    ("plain", PlainMeetingAdmin),
):
    SITES[name] = admin.AdminSite(name=f"peer_{name}")
    SITES[name].register(app.Meeting, model_admin)
