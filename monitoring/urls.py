from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/operations/", views.run_list, name="run_list"),
    path("monitoring/operations/<int:run_id>/", views.run_detail, name="run_detail"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
