from django.urls import path

from . import views

app_name = "parts"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("issue/<int:pk>/", views.issue, name="issue"),
    path("return/<int:pk>/", views.return_part, name="return"),
    path("stock/", views.stock_list, name="stock_list"),
    path("stock/<int:pk>/", views.stock_detail, name="stock_detail"),
    path("stock/<int:pk>/adjust/", views.stock_adjust, name="stock_adjust"),
    path("stock/<int:pk>/levels/", views.stock_levels, name="stock_levels"),
    path("count/", views.count_sheet, name="count"),
    path("count/print/", views.count_print, name="count_print"),
    path("counts/<int:pk>/", views.count_detail, name="count_detail"),
    path("counts/<int:pk>/approve/", views.count_approve, name="count_approve"),
    path("counts/<int:pk>/reject/", views.count_reject, name="count_reject"),
    path("reorder/", views.reorder_review, name="reorder"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/submit/", views.order_submit, name="order_submit"),
    path("orders/<int:pk>/receive/", views.order_receive, name="order_receive"),
    path("orders/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("back-orders/", views.back_order_list, name="back_orders"),
    path("back-orders/<int:pk>/cancel/", views.back_order_cancel, name="back_order_cancel"),
    path("suppliers/", views.supplier_list, name="suppliers"),
    path("suppliers/<int:pk>/", views.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/closures/", views.supplier_closure_add, name="supplier_closure_add"),
    path(
        "suppliers/<int:pk>/closures/<int:closure_pk>/remove/",
        views.supplier_closure_remove,
        name="supplier_closure_remove",
    ),
    path("reports/", views.reports, name="reports"),
    path("board-shortages/", views.board_shortages, name="board_shortages"),
    path("repair-orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("vehicles/<int:pk>/serials/", views.vehicle_serials, name="vehicle_serials"),
]
