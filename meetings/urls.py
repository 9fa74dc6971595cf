from django.urls import path

from .views import activity, bulk_rename, imports, meetings, progress, registration, scheduling

app_name = "meetings"

urlpatterns = [
    path("", meetings.MeetingListView.as_view(), name="list"),
    path("add/", registration.MeetingRegisterView.as_view(), name="add"),
    path("new/", scheduling.MeetingCreateView.as_view(), name="create"),
    path("new/progress/", progress.BookingProgressView.as_view(), name="create_progress"),
    path("bulk-rename/", bulk_rename.BulkRenameView.as_view(), name="bulk_rename"),
    path("bulk-rename/<int:pk>/", bulk_rename.BulkRenameJobView.as_view(), name="bulk_rename_job"),
    path("bulk-rename/<int:pk>/progress/", progress.BulkRenameProgressView.as_view(), name="bulk_rename_progress"),
    path("import/", imports.MeetingImportView.as_view(), name="import"),
    path("import/<int:pk>/", imports.MeetingImportDetailView.as_view(), name="import_detail"),
    path("import/<int:pk>/progress/", progress.MeetingImportProgressView.as_view(), name="import_progress"),
    path("activity/", activity.ActivityView.as_view(), name="activity"),
    path("activity.csv", activity.ActivityView.as_view(), {"format": "csv"}, name="activity_csv"),
    path("<int:pk>/edit/", meetings.MeetingEditView.as_view(), name="edit"),
    path("<int:pk>/refresh/", meetings.MeetingRefreshView.as_view(), name="refresh"),
    path("<int:pk>/check/", progress.MeetingCheckView.as_view(), name="check"),
    path("<int:pk>/history/", meetings.MeetingHistoryView.as_view(), name="history"),
    path("<int:pk>/cancel/", scheduling.MeetingCancelView.as_view(), name="cancel"),
    path("<int:pk>/settings/", scheduling.MeetingSettingsView.as_view(), name="settings"),
    path("<int:pk>/creator/", registration.MeetingCreatorView.as_view(), name="creator"),
    path("<int:pk>/remove/", registration.MeetingRemoveView.as_view(), name="remove"),
]
