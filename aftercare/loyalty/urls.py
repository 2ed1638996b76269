from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("customers/<int:pk>/card/", views.issue_card, name="issue_card"),
    path("customers/<int:pk>/package/", views.sell_package, name="sell_package"),
    path("cards/<int:pk>/top-up/", views.top_up, name="top_up"),
    path("cards/<int:pk>/refund/", views.refund_card, name="refund_card"),
    path("cards/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("cards/<int:pk>/statement/", views.statement, name="statement"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/stored-value/", views.order_stored_value, name="order_stored_value"),
    path("orders/<int:pk>/lines/<int:line>/package/", views.order_package, name="order_package"),
    path("orders/<int:pk>/coupons/<int:coupon>/", views.order_coupon, name="order_coupon"),
    path("orders/<int:pk>/points/<int:template>/", views.order_points, name="order_points"),
    path("liabilities/", views.liabilities, name="liabilities"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kind>/new/", views.rule_edit, name="rule_new"),
    path("rules/<str:kind>/<int:pk>/", views.rule_edit, name="rule_edit"),
]
