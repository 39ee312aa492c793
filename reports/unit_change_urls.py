from django.urls import path

from . import unit_change_views as views

app_name = "unit_changes"
urlpatterns = [
    path("", views.change_list, name="list"),
    path("dong/", views.close, name="close"),
    path("sap-nhap/", views.merge, name="merge"),
    path("chia-tach/<unit_code:code>/", views.split, name="split"),
    path("<int:pk>/hoan-tac/", views.undo, name="undo"),
]
