from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="list"),
    path("add/", views.MeetingRegisterView.as_view(), name="add"),
    path("activity/", views.ActivityView.as_view(), name="activity"),
    path("activity.csv", views.ActivityView.as_view(), {"format": "csv"}, name="activity_csv"),
    path("<int:pk>/edit/", views.MeetingEditView.as_view(), name="edit"),
    path("<int:pk>/refresh/", views.MeetingRefreshView.as_view(), name="refresh"),
    path("<int:pk>/history/", views.MeetingHistoryView.as_view(), name="history"),
]
