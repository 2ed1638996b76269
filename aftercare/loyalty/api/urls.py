from django.urls import path

from . import views

urlpatterns = [
    path("cards/", views.CardsView.as_view(), name="api-loyalty-cards"),
    path("cards/<int:pk>/", views.CardDetailView.as_view(), name="api-loyalty-card"),
    path("cards/<int:pk>/top-up/", views.TopUpView.as_view(), name="api-loyalty-top-up"),
    path("cards/<int:pk>/redeem/", views.RedeemView.as_view(), name="api-loyalty-redeem"),
    path("accounts/<int:pk>/postings/", views.AccountPostingsView.as_view(), name="api-loyalty-postings"),
    path("coupons/", views.CouponsView.as_view(), name="api-loyalty-coupons"),
]
