"""The customer's survey link: no login, the signed token is the key."""

from django.urls import path

from . import views

app_name = "surveys_public"

urlpatterns = [
    path("<str:token>/", views.answer, name="answer"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
]
