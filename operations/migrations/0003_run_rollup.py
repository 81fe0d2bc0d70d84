"""The run rollup (RunDayCount), filled from the runs already there; job_id derives from the id."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def fill_rollup(apps, schema_editor):
    from tenantatlas.models import tenant_zone

    Tenant = apps.get_model("tenantatlas", "Tenant")
    OperationRun = apps.get_model("operations", "OperationRun")
    RunDayCount = apps.get_model("operations", "RunDayCount")
    for tenant in Tenant.objects.all():
        rows = (
            OperationRun.objects.filter(tenant=tenant)
            .order_by()
            .annotate(day=TruncDate("created_at", tzinfo=tenant_zone(tenant)))
            .values_list("day", "resource", "action", "status_bucket")
            .annotate(n=Count("pk"))
        )
        RunDayCount.objects.bulk_create(
            RunDayCount(tenant=tenant, day=day, resource=resource, action=action, bucket=bucket, count=n)
            for day, resource, action, bucket, n in rows
        )


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0002_notification_one_per_run'),
        ('tenantatlas', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='operationrun',
            name='job_id',
        ),
        migrations.CreateModel(
            name='RunDayCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('resource', models.CharField(max_length=40)),
                ('action', models.CharField(max_length=40)),
                ('bucket', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('partially_succeeded', 'Partially succeeded'), ('failed', 'Failed')], max_length=24)),
                ('count', models.IntegerField(default=0)),
                ('tenant', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenantatlas.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('tenant', 'day', 'resource', 'action', 'bucket'), name='run_day_count_key')],
            },
        ),
        migrations.RunPython(fill_rollup, migrations.RunPython.noop),
    ]
