from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("truong-hop/<int:pk>/hien-so/", views.reveal_case_id, name="reveal_case_id"),
]
