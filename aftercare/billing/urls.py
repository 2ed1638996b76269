from django.urls import path

from . import online_views, views

app_name = "billing"

urlpatterns = [
    path("", views.cashier, name="cashier"),
    path("orders/<int:pk>/", views.order_billing, name="order"),
    path("orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("orders/<int:pk>/pay/", views.pay, name="pay"),
    path("orders/<int:pk>/refund/", views.refund, name="refund"),
    path("orders/<int:pk>/credit/", views.credit, name="credit"),
    path("orders/<int:pk>/settle/", views.settle, name="settle"),
    path("orders/<int:pk>/statement/", views.statement, name="statement"),
    path("orders/<int:pk>/delivery/", views.delivery, name="delivery"),
    path("orders/<int:pk>/delivery/sheet/", views.delivery_sheet, name="delivery_sheet"),
    path("payments/<int:pk>/reverse/", views.reverse_payment, name="reverse"),
    path("orders/<int:pk>/online/", online_views.online_pay, name="online_pay"),
    path("online/<int:pk>/", online_views.online_txn, name="online_txn"),
    path("online/<int:pk>/poll/", online_views.online_txn_poll, name="online_txn_poll"),
    path("online/<int:pk>/cancel/", online_views.online_txn_cancel, name="online_txn_cancel"),
    path("online/<int:pk>/qr.svg", online_views.online_txn_qr, name="online_txn_qr"),
    path("online/<int:pk>/refund/", online_views.online_refund, name="online_refund"),
    path("notify/<str:provider>/<int:account_id>/", online_views.provider_notify, name="provider_notify"),
    path("payment-accounts/", online_views.provider_accounts, name="provider_accounts"),
    path(
        "payment-accounts/<int:store_id>/<str:provider>/",
        online_views.provider_account_edit,
        name="provider_account_edit",
    ),
    path("reconciliation/", online_views.reconciliation, name="reconciliation"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
]
