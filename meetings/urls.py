from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="list"),
    path("add/", views.MeetingRegisterView.as_view(), name="add"),
    path("<int:pk>/edit/", views.MeetingEditView.as_view(), name="edit"),
]
