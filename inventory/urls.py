from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.index, name="index"),
    path("sync/", views.sync_now, name="sync"),
    path("syncs/<int:sync_id>/", views.sync_detail, name="sync_detail"),
    path("connection/", views.connection, name="connection"),
]
