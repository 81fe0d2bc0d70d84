from django.urls import path

from monitoring import api

app_name = "api"

urlpatterns = [
    path("runs/", api.run_list, name="run_list"),
    path("runs/<int:run_id>/", api.run_detail, name="run_detail"),
]
