from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.results, name="results"),
    path("record/", views.record, name="record"),
    path("link/", views.link_issue, name="link_issue"),
    path("link/qr.svg", views.link_qr, name="link_qr"),
]
