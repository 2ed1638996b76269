from django.urls import path

from . import views

urlpatterns = [
    path("", views.MessagesView.as_view(), name="api-messages"),
    path("<int:pk>/", views.MessageDetailView.as_view(), name="api-message"),
    path("<int:pk>/cancel/", views.MessageCancelView.as_view(), name="api-message-cancel"),
    path("receipts/<slug:provider>/", views.receipts, name="api-message-receipts"),
    path("inbound/<slug:provider>/", views.inbound, name="api-message-inbound"),
]
