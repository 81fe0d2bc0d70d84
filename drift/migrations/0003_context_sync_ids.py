"""drift.generate runs name their snapshots ``baseline_sync_id``/``current_sync_id``.

The ids were always InventorySync ids; the stored context said ``*_run_id``.
Every stored drift run's context is renamed in place (and back, on reverse).
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Q

RENAMES = (("baseline_run_id", "baseline_sync_id"), ("current_run_id", "current_sync_id"))


def _rename(apps: Apps, renames: tuple[tuple[str, str], ...]) -> None:
    OperationRun = apps.get_model("operations", "OperationRun")
    new_name = dict(renames)
    named = Q()
    for old, _ in renames:
        named |= Q(context__has_key=old)
    runs = OperationRun.objects.filter(named, resource="drift", action="generate")
    # Ids first, then batches: no cursor stays open across writes (SQLite runs this too).
    ids = list(runs.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        batch = list(OperationRun.objects.filter(pk__in=ids[start : start + 1000]).only("context"))
        for run in batch:
            run.context = {new_name.get(key, key): value for key, value in run.context.items()}
        OperationRun.objects.bulk_update(batch, ["context"])


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename(apps, RENAMES)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename(apps, tuple((new, old) for old, new in RENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("drift", "0002_withhold_secrets"),
        ("operations", "0004_processed_generated_drop_attempt"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
