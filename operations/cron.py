"""RQ cron configuration: ``python manage.py rqcron operations.cron``."""

from rq import cron

from operations.jobs import reconcile_rollup_job, recover_runs_job

# Runs stuck by a dead worker are found within a minute; the job is cheap (a
# partial index over active runs and one Redis round trip per batch).
cron.register(recover_runs_job, "default", interval=30, job_timeout=120)
# The run rollup is kept by the lifecycle; this recount repairs (and logs) any drift,
# e.g. after rows were changed by hand. One grouped query per tenant.
cron.register(reconcile_rollup_job, "default", interval=3600, job_timeout=1800)
