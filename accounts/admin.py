"""The Django admin: people who sign in with DingTalk and the access audit, to read (decisions are made at
/people/, where each is checked and audited). allauth's own models are not used: the DingTalk app comes
from settings, and nothing of a sign-in is stored by allauth."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

from .models import AccessEvent, Person

for model in (EmailAddress, SocialAccount, SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["nick", "union_id", "corp_id", "status", "decided_by", "decided_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["nick", "union_id", "corp_id"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "nick", "union_id", "corp_id", "by", "detail"]
    list_filter = ["kind"]
    search_fields = ["nick", "union_id", "corp_id"]
