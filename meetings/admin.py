from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Meeting, MeetingChange, Organization

SECRET_FIELDS = {
    "access_token": _("Access token"),
    "app_secret": _("App secret / suite secret"),
    "suite_ticket": _("Suite ticket"),
}


class OrganizationAdminForm(forms.ModelForm):
    """Secrets are write-only: the inputs start empty, and leaving one empty keeps what is stored."""

    class Meta:
        model = Organization
        fields = ["name", "time_zone", "api_base", "auth_mode", "access_token_expires_at", "app_key",
                  "auth_corp_id", "members"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECRET_FIELDS.items():
            is_set = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[f"new_{name}"] = forms.CharField(
                label=label,
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=_("Set. Leave empty to keep it; type a new value to replace it.")
                if is_set
                else _("Not set."),
            )

    def save(self, commit=True):
        for name in SECRET_FIELDS:
            value = self.cleaned_data.get(f"new_{name}")
            if value:
                setattr(self.instance, name, value)
        return super().save(commit=commit)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ["name", "time_zone", "api_base", "auth_mode"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """View only: meetings are added and changed through the portal, which asks DingTalk first."""

    list_display = ["title", "organization", "starts_at", "ends_at", "status"]
    # Only the organizations the person can see, not every organization's name.
    list_filter = ["status", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "schedule_conference_id"]
    list_select_related = ["organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MeetingChange)
class MeetingChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "meeting", "user", "action", "outcome", "dingtalk_code", "request_id"]
    list_filter = ["outcome", "action", ("organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["meeting", "user"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
