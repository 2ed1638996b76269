"""Staff: a customer's or an order's links (issue, revoke, QR codes)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("links/", views.links_panel, name="links_panel"),
    path("links/issue/", views.link_issue, name="link_issue"),
    path("links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("links/qr/", views.issued_qr, name="issued_qr"),
    path("links/send/", views.issued_send, name="issued_send"),
    path("repair-orders/<int:pk>/qr/<str:document>/", views.print_qr, name="print_qr"),
]
