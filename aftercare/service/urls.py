from django.urls import path

from . import views

app_name = "service"

urlpatterns = [
    path("repair-orders/", views.repair_order_list, name="repair_order_list"),
    path("repair-orders/new/", views.reception_search, name="reception_search"),
    path("repair-orders/export/<str:fmt>/", views.repair_order_export, name="repair_order_export"),
    path("vehicles/<int:vehicle_pk>/receive/", views.reception, name="reception"),
    path("vehicles/<int:vehicle_pk>/repair-orders/", views.vehicle_history, name="vehicle_history"),
    path("customers/<int:customer_pk>/repair-orders/", views.customer_history, name="customer_history"),
    path("repair-orders/<int:pk>/", views.repair_order_detail, name="repair_order_detail"),
    path("repair-orders/<int:pk>/details/", views.details_edit, name="details_edit"),
    path("repair-orders/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("repair-orders/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("repair-orders/<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("repair-orders/<int:pk>/catalogue/", views.catalogue_search, name="catalogue_search"),
    path("repair-orders/<int:pk>/lines/", views.line_add, name="line_add"),
    path("repair-orders/<int:pk>/panels/<str:panel>/", views.order_panel, name="order_panel"),
    path("repair-orders/<int:pk>/lines/<int:line_pk>/remove/", views.line_remove, name="line_remove"),
    path("repair-orders/<int:pk>/lines/<int:line_pk>/decide/", views.line_decide, name="line_decide"),
    path("repair-orders/<int:pk>/transition/", views.transition, name="transition"),
    path("repair-orders/<int:pk>/site/", views.site_panel, name="site_panel"),
    path("repair-orders/<int:pk>/site/visit/", views.site_visit, name="site_visit"),
    path("repair-orders/<int:pk>/site/kit/", views.site_kit, name="site_kit"),
    path("repair-orders/<int:pk>/site/survey/", views.site_survey, name="site_survey"),
    path("repair-orders/<int:pk>/site/acceptance/", views.site_acceptance, name="site_acceptance"),
    path("repair-orders/<int:pk>/authorise/", views.authorise, name="authorise"),
    path("repair-orders/<int:pk>/discount/", views.discount, name="discount"),
    path("repair-orders/<int:pk>/progress/", views.progress, name="progress"),
    path("repair-orders/<int:pk>/print/check-in/", views.print_check_in, name="print_check_in"),
    path("repair-orders/<int:pk>/print/estimate/", views.print_estimate, name="print_estimate"),
]
