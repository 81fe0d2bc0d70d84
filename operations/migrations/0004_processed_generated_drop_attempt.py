"""``processed`` becomes a stored generated column (succeeded + failed + skipped);
``attempt``, which nothing read, goes; a run's notice keeps no link of its
own any more (the hub links it from its run), so the stored copies are cleared.

PostgreSQL cannot turn a plain column into a generated one, so the column is
dropped and added again: its values follow from the three counts, nothing to
move (every writer kept it equal to their sum).
"""

import django.db.models.expressions
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def clear_run_links(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Notification = apps.get_model("operations", "Notification")
    Notification.objects.filter(run__isnull=False).exclude(link="").update(link="")


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_run_rollup"),
    ]

    operations = [
        migrations.RunPython(clear_run_links, migrations.RunPython.noop),
        migrations.RemoveField(model_name="operationrun", name="attempt"),
        migrations.RemoveField(model_name="operationrun", name="processed"),
        migrations.AddField(
            model_name="operationrun",
            name="processed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(
                        models.F("succeeded"), "+", models.F("failed")
                    ),
                    "+",
                    models.F("skipped"),
                ),
                output_field=models.PositiveIntegerField(),
            ),
        ),
    ]
