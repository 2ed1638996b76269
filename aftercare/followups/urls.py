from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/outcome/", views.task_outcome, name="outcome"),
    path("<int:pk>/attempt/", views.task_attempt, name="attempt"),
    path("<int:pk>/claim/", views.task_claim, name="claim"),
    path("<int:pk>/reassign/", views.task_reassign, name="reassign"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<int:pk>/handle/", views.problem_handle, name="problem_handle"),
    path("problems/<int:pk>/inform/", views.problem_inform, name="problem_inform"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/", views.rules, name="rules"),
    path("rules/scripts/<str:kind>/", views.script_edit, name="script"),
]
