import datetime

from django import forms
from django.contrib import admin
from django.contrib.messages import ERROR, SUCCESS, WARNING
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from . import dingtalk, fields, services, texts, validators
from .dingtalk import credentials, token_lease
from .models import Meeting, MeetingChange, Organization
from .templatetags.zoned import zoned_time_html

SECRET_FIELDS = {
    "access_token": _("Access token"),
    "app_secret": _("App secret / suite secret"),
    "suite_ticket": _("Suite ticket"),
}
SECRET_INPUTS = [f"new_{name}" for name in SECRET_FIELDS]


def _secret_input(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class OrganizationAdminForm(forms.ModelForm):
    """Secrets are write-only: the inputs start empty, and leaving one empty keeps what is stored."""

    new_access_token = _secret_input(SECRET_FIELDS["access_token"])
    new_app_secret = _secret_input(SECRET_FIELDS["app_secret"])
    new_suite_ticket = _secret_input(SECRET_FIELDS["suite_ticket"])

    error_messages = {
        "required_for_mode": texts.CREDENTIAL_REQUIRED,
        "expiry_passed": texts.TOKEN_EXPIRY_PASSED,
        "host_taken": texts.ORGANIZATION_HOST_TAKEN,
    }

    class Meta:
        model = Organization
        fields = [
            "name",
            "time_zone",
            "api_base",
            "default_creator_union_id",
            "corp_id",
            "auth_mode",
            "access_token_expires_at",
            "app_key",
            "auth_corp_id",
            "members",
        ]
        help_texts = {"app_key": _("The internal app's app key, or the third-party app's suite key.")}
        # One input, read in the organization's zone (InOrganizationTimeZone below), labelled by its help text.
        field_classes = {"access_token_expires_at": forms.DateTimeField}
        widgets = {
            "access_token_expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["access_token_expires_at"].help_text = texts.TOKEN_EXPIRY_HINT % {
            "time_zone": texts.zone_name(self.instance.time_zone)
        }
        for name in SECRET_FIELDS:
            is_set = bool(self.instance.pk and fields.is_set(self.instance, name))
            if is_set and not fields.decrypts(self.instance, name):
                self.fields[f"new_{name}"].help_text = texts.SECRET_UNDECRYPTABLE
                continue
            self.fields[f"new_{name}"].help_text = (
                _("Set. Leave empty to keep it; type a new value to replace it.") if is_set else _("Not set.")
            )

    def clean_api_base(self):
        """The canonical spelling (https://api.dingtalk.com for https://API.dingtalk.com:443/); a move to a
        host where another organization has one of this one's meetings is refused (the database would)."""
        api_base = validators.canonical_api_base(self.cleaned_data["api_base"])
        if self.instance.pk and api_base != self.instance.api_base:
            own = Meeting.objects.filter(organization=self.instance, removed_at__isnull=True)
            taken = Meeting.objects.filter(
                api_base=api_base,
                removed_at__isnull=True,
                schedule_conference_id__in=own.values("schedule_conference_id"),
            ).exclude(organization=self.instance)
            if taken.exists():
                raise ValidationError(self.error_messages["host_taken"], code="host_taken", params={"host": api_base})
        return api_base

    def clean(self):
        cleaned_data = super().clean()
        auth_mode = cleaned_data.get("auth_mode")
        if not auth_mode:
            return cleaned_data
        switched = self.instance.pk is None or auth_mode != self.instance.auth_mode
        values = {name: cleaned_data.get(name, "") for name in ("app_key", "auth_corp_id")}
        for name in SECRET_FIELDS:
            # A stored secret no key decrypts counts as missing: the form asks for a new one.
            stored = self.instance.pk and fields.is_set(self.instance, name)
            kept = bool(stored and fields.decrypts(self.instance, name))
            values[name] = cleaned_data.get(f"new_{name}") or kept
        if auth_mode == Organization.AuthMode.ACCESS_TOKEN and switched:
            # A token the app credentials obtained is no pasted token: it would stop working unnoticed.
            values["access_token"] = cleaned_data.get("new_access_token", "")
        for name in credentials.missing_credentials(auth_mode=auth_mode, values=values):
            field = f"new_{name}" if name in SECRET_FIELDS else name
            mode_label = Organization.AuthMode(auth_mode).label
            self.add_error(
                field,
                ValidationError(
                    self.error_messages["required_for_mode"], code="required_for_mode", params={"mode": mode_label}
                ),
            )
        if auth_mode != Organization.AuthMode.ACCESS_TOKEN:
            # The expiry of a token the portal obtains is DingTalk's, not an administrator's.
            cleaned_data["access_token_expires_at"] = self.instance.access_token_expires_at
        elif self._expiry_given() and cleaned_data["access_token_expires_at"] <= timezone.now():
            self.add_error(
                "access_token_expires_at", ValidationError(self.error_messages["expiry_passed"], code="expiry_passed")
            )
        return cleaned_data

    def _expiry_given(self) -> bool:
        return bool(self.cleaned_data.get("access_token_expires_at")) and (
            "access_token_expires_at" in self.changed_data or bool(self.cleaned_data.get("new_access_token"))
        )


def token_status(organization: Organization) -> str:
    """One line on the state of the organization's token, for the admin; never the token itself."""
    missing = credentials.stored_missing_credentials(organization)
    if missing:
        names = ", ".join(str(Organization._meta.get_field(name).verbose_name) for name in missing)
        return texts.TOKEN_STATUS_INCOMPLETE % {"missing": names}
    if credentials.undecryptable_credentials(organization):
        return str(texts.SECRET_UNDECRYPTABLE)
    expires_at = organization.access_token_expires_at
    when = {"time_zone": texts.zone_name(organization.time_zone, expires_at)}
    if expires_at is not None:
        when["time"] = texts.local_time(expires_at, organization)
    if credentials.uses_app(organization):
        if token_lease.has_fresh_token(organization, margin=datetime.timedelta(0)):
            return texts.TOKEN_STATUS_APP_VALID % when
        return str(texts.TOKEN_STATUS_APP_PENDING)
    if expires_at is None:
        return str(texts.TOKEN_STATUS_PASTED_NO_EXPIRY)
    if expires_at <= timezone.now():
        return texts.TOKEN_STATUS_PASTED_EXPIRED % when
    return texts.TOKEN_STATUS_PASTED_VALID % when


class InOrganizationTimeZone:
    """A change page shows (and reads) times in the organization's zone, as the portal's pages do."""

    def organization_of(self, obj) -> Organization | None:
        return obj.organization if obj is not None else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        organization = self.organization_of(self.get_object(request, object_id) if object_id else None)
        zone = organization.zone if organization is not None else timezone.get_current_timezone()
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # A TemplateResponse renders after the view returns: here, while the zone is in force.
            return response.render() if hasattr(response, "render") else response


def zoned_column(field_name: str, description):
    """A list column: the time in the row's organization's zone, with the zone's name."""

    @admin.display(description=description, ordering=field_name)
    def column(self, obj):
        return zoned_time_html(getattr(obj, field_name), self.organization_of(obj))

    return column


@admin.register(Organization)
class OrganizationAdmin(InOrganizationTimeZone, admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ["name", "time_zone", "api_base", "auth_mode", "token"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    readonly_fields = ["token"]
    actions = ["check_connection"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone", "api_base", "default_creator_union_id", "corp_id", "members"]}),
        (
            _("DingTalk credentials"),
            {
                "description": _(
                    "A pasted token needs the access token. An internal app needs the app key and secret; "
                    "a third-party enterprise app the suite key and secret, the authorized corp ID and the "
                    "suite ticket. Secrets are stored encrypted and never shown again."
                ),
                "fields": [
                    "auth_mode",
                    "token",
                    "new_access_token",
                    "access_token_expires_at",
                    "app_key",
                    "new_app_secret",
                    "auth_corp_id",
                    "new_suite_ticket",
                ],
            },
        ),
    ]

    def organization_of(self, obj) -> Organization:
        return obj or Organization()  # a new one's zone is the default until it is saved with another

    @admin.display(description=_("token"))
    def token(self, organization):
        if organization.pk is None:
            return "-"
        return token_status(organization)

    @admin.action(description=_("Check connection"), permissions=["change"])
    def check_connection(self, request, queryset):
        for organization in queryset:
            try:
                expires_at = services.organization_check_connection(organization=organization)
            except (dingtalk.DingTalkError, credentials.CredentialsError) as error:
                self.message_user(request, services.error_message(error, organization=organization), ERROR)
                continue
            if credentials.uses_app(organization):
                when = {
                    "time": texts.local_time(expires_at, organization),
                    "time_zone": texts.zone_name(organization.time_zone, expires_at),
                }
                self.message_user(request, texts.CONNECTION_OK % {"organization": organization.name, **when}, SUCCESS)
            else:
                status = token_status(organization)
                self.message_user(
                    request, texts.CONNECTION_PASTED % {"organization": organization.name, "status": status}, WARNING
                )

    # Django's error reports (DEBUG page, mails to ADMINS) show POST data: not these fields.
    @method_decorator(sensitive_post_parameters(*SECRET_INPUTS))
    def changeform_view(self, *args, **kwargs):
        return super().changeform_view(*args, **kwargs)

    def save_model(self, request, obj, form, change):
        services.organization_save(
            organization=obj,
            changed=form.changed_data,
            secrets={name: form.cleaned_data.get(f"new_{name}", "") for name in SECRET_FIELDS},
        )


class VisibleReadOnlyAdmin(InOrganizationTimeZone, admin.ModelAdmin):
    """Rows of the person's organizations only, and no writes: every change goes through DingTalk first."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *others = fieldsets
        zone = {"time_zone": texts.zone_name(obj.organization.time_zone)}
        return [(name, {**options, "description": texts.TIMES_IN_ZONE % zone}), *others]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(VisibleReadOnlyAdmin):
    """View only: meetings are added and changed through the portal, which asks DingTalk first."""

    list_display = ["title", "organization", "start", "end", "status"]
    start = zoned_column("starts_at", _("start"))
    end = zoned_column("ends_at", _("end"))
    # Only the organizations the person can see, not every organization's name.
    list_filter = ["status", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "schedule_conference_id"]
    list_select_related = ["organization"]


@admin.register(MeetingChange)
class MeetingChangeAdmin(VisibleReadOnlyAdmin):
    list_display = ["when", "meeting", "user", "action", "outcome", "dingtalk_code", "request_id"]
    when = zoned_column("created_at", _("when"))
    list_filter = ["outcome", "action", ("organization", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["meeting", "user", "organization"]

    def has_delete_permission(self, request, obj=None):
        return False
