from django.urls import path

from .views import activity, imports, meetings, registration

app_name = "meetings"

urlpatterns = [
    path("", meetings.MeetingListView.as_view(), name="list"),
    path("add/", registration.MeetingRegisterView.as_view(), name="add"),
    path("import/", imports.MeetingImportView.as_view(), name="import"),
    path("import/<int:pk>/", imports.MeetingImportDetailView.as_view(), name="import_detail"),
    path("activity/", activity.ActivityView.as_view(), name="activity"),
    path("activity.csv", activity.ActivityView.as_view(), {"format": "csv"}, name="activity_csv"),
    path("<int:pk>/edit/", meetings.MeetingEditView.as_view(), name="edit"),
    path("<int:pk>/refresh/", meetings.MeetingRefreshView.as_view(), name="refresh"),
    path("<int:pk>/history/", meetings.MeetingHistoryView.as_view(), name="history"),
    path("<int:pk>/creator/", registration.MeetingCreatorView.as_view(), name="creator"),
    path("<int:pk>/remove/", registration.MeetingRemoveView.as_view(), name="remove"),
]
