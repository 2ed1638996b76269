"""The customer's side of the desk: no login (docs/DOMAIN.md §25.2, §25.3). A rescue's status
is opened by its link's token; the rescue form and the public answers by the store's code."""

from django.urls import path

from . import views

app_name = "desk_public"

urlpatterns = [
    path("rescue/<str:token>/", views.public_rescue_status, name="rescue_status"),
    path("<slug:store_code>/rescue/", views.public_rescue, name="rescue"),
    path("<slug:store_code>/faq/", views.public_faq, name="faq"),
    path("<slug:store_code>/faq/<int:pk>/", views.public_faq_entry, name="faq_entry"),
]
