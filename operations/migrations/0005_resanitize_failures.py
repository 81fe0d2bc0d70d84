"""Stored failure text through today's sanitizer: no row written by an older one keeps a secret.

Failure entries (code, message, item), run failure reasons and notification
bodies (a failed run's notice repeats its reason) are rewritten where today's
sanitizer changes them (operations.resanitize). Non-atomic: each batch commits
on its own, so millions of rows never sit in one transaction, and an
interrupted run resumes where it left off. Reversing keeps the redactions.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from operations import resanitize


def resanitize_failures(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    resanitize.resanitize_all(
        failure=apps.get_model("operations", "RunFailure"),
        run=apps.get_model("operations", "OperationRun"),
        notification=apps.get_model("operations", "Notification"),
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("operations", "0004_processed_generated_drop_attempt"),
    ]

    operations = [
        migrations.RunPython(resanitize_failures, migrations.RunPython.noop, elidable=False)
    ]
