from django.conf import settings
from django.db import migrations, models
from django.db.models import Max


def keep_newest_per_run(apps, schema_editor):
    """Older databases kept one notice per event; keep each person's newest per run."""
    Notification = apps.get_model("operations", "Notification")
    newest = (
        Notification.objects.filter(run__isnull=False)
        .values("user_id", "run_id")
        .annotate(keep=Max("id"))
        .values_list("keep", flat=True)
    )
    Notification.objects.filter(run__isnull=False).exclude(id__in=list(newest)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("tenantatlas", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_newest_per_run, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("run__isnull", False)),
                fields=("user", "run"),
                name="notification_one_per_run",
            ),
        ),
    ]
