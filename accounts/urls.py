from django.urls import path

from . import dingtalk, views

# allauth's DingTalk provider reverses these names ("<provider>_login", "<provider>_callback").
dingtalk_urls = [
    path("dingtalk/login/", dingtalk.oauth2_login, name="dingtalk_login"),
    path("dingtalk/login/callback/", dingtalk.oauth2_callback, name="dingtalk_callback"),
]

people_urls = [
    path("", views.PeopleView.as_view(), name="people"),
    path("<int:pk>/decide/", views.PersonDecideView.as_view(), name="person_decide"),
    path("<int:pk>/remove/", views.PersonRemoveView.as_view(), name="person_remove"),
]
