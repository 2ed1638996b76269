from django.urls import path

from . import views

# An explicit path: the service app's router owns the other /repair-orders/ routes.
urlpatterns = [
    path("repair-orders/<int:pk>/payments/", views.RepairOrderPaymentsView.as_view(), name="api-repair-order-payments"),
    path("repair-orders/<int:pk>/deliver/", views.RepairOrderDeliverView.as_view(), name="api-repair-order-deliver"),
    path("provider-transactions/<int:pk>/", views.ProviderTransactionView.as_view(), name="api-provider-transaction"),
    path(
        "provider-transactions/<int:pk>/refund/",
        views.ProviderTransactionRefundView.as_view(),
        name="api-provider-transaction-refund",
    ),
]
