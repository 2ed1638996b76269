from django.urls import path

from . import views

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
]
