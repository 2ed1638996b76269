"""The customer's phone: no login, the link's token is the key (docs/DOMAIN.md §15.2)."""

from django.urls import path

from . import views

app_name = "portal_public"

urlpatterns = [
    path("<str:token>/", views.open_link, name="open"),
    path("<str:token>/decide/", views.decide, name="decide"),
    path("<str:token>/authorise/", views.authorise, name="authorise"),
    path("<str:token>/book/", views.book, name="book"),
    path("<str:token>/cancel/", views.cancel, name="cancel"),
    path("<str:token>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<str:token>/orders/<int:pk>/pay/", views.pay, name="pay"),
    path("<str:token>/orders/<int:pk>/payment/", views.payment, name="payment"),
    path("<str:token>/orders/<int:pk>/statement/", views.statement, name="statement"),
    path("<str:token>/orders/<int:pk>/invoice/", views.invoice, name="invoice"),
    path("<str:token>/orders/<int:pk>/invoice.pdf", views.invoice_pdf, name="invoice_pdf"),
]
