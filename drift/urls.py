from django.urls import path

from drift import views

app_name = "drift"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("generate/", views.generate, name="generate"),
    path("findings/", views.findings, name="findings"),
]
