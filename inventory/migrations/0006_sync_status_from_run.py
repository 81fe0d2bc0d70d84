"""An inventory sync's status follows from its run (InventorySync.status, a property).

The stored copy goes. Before it does, a sync that it called anything but
succeeded is made incomplete, so that no snapshot the old column kept from
drift becomes usable through its run.
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def incomplete_unless_succeeded(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    InventorySync = apps.get_model("inventory", "InventorySync")
    InventorySync.objects.exclude(status="succeeded").update(is_complete=False)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_withhold_secrets"),
        ("operations", "0004_processed_generated_drop_attempt"),
    ]

    operations = [
        migrations.RunPython(incomplete_unless_succeeded, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="inventorysync", name="sync_scope_latest"),
        migrations.RemoveField(model_name="inventorysync", name="status"),
        migrations.AddIndex(
            model_name="inventorysync",
            index=models.Index(
                condition=models.Q(("is_complete", True)),
                fields=["tenant", "scope_key", "-taken_at"],
                name="sync_scope_complete",
            ),
        ),
    ]
