"""The peer admin sites: Meeting's title and times editable, DingTalk called from `save_model`.

Written as a competent team would write it, not to lose: the person sees only their organizations'
meetings (as in the portal), the meeting comes with its organization in one query, DingTalk is reached
through the portal's client and token handling, and a DingTalk failure leaves the meeting as it was with
an error message. What it does not have is what the portal adds: no version check against the form the
person opened, no lease against two saves at once, no audit row for a failed attempt (the admin's own
LogEntry records a successful change only).

The admin runs `save_model` inside `transaction.atomic`, so the DingTalk calls happen inside the
transaction; on SQLite (transaction_mode IMMEDIATE) that holds the write lock through them. That is the
admin's design, measured as it is (benchmarks/throughput.py).
"""

from django.contrib import admin, messages

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


SITES = {}
for name, model_admin in (("careful", CarefulMeetingAdmin), ("naive", NaiveMeetingAdmin), ("plain", PlainMeetingAdmin)):
    SITES[name] = admin.AdminSite(name=f"peer_{name}")
    SITES[name].register(app.Meeting, model_admin)
