from django.urls import path

from backups import views

app_name = "backups"

urlpatterns = [
    path("", views.set_list, name="list"),
    path("new/", views.set_create, name="create"),
    path("<int:backup_set_id>/", views.set_detail, name="detail"),
    path("<int:backup_set_id>/edit/", views.set_edit, name="edit"),
    path("<int:backup_set_id>/add-policies/", views.add_policies, name="add_policies"),
    path("<int:backup_set_id>/export/", views.set_export, name="export"),
    path(
        "<int:backup_set_id>/policies/<int:policy_id>/",
        views.policy_versions,
        name="versions",
    ),
]
