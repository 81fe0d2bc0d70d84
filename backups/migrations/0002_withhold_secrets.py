"""Rewrite stored BackupItem rows through the secret rule, so no old row keeps a secret value.

The rule (inventory.secrets) runs on the stored, already normalised settings;
running it again changes nothing. Reversing keeps the markers: the values are gone.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from inventory import stored_secrets


def withhold(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    stored_secrets.rewrite_items(apps.get_model("backups", "BackupItem"), "backup_set__tenant_id")


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0001_initial"),
        ("inventory", "0005_withhold_secrets"),
    ]

    operations = [migrations.RunPython(withhold, migrations.RunPython.noop, elidable=False)]
