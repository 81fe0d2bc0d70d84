"""RQ cron configuration: ``python manage.py rqcron operations.cron``."""

from rq import cron

from operations.jobs import recover_runs_job

# Runs stuck by a dead worker are found within a minute; the job is cheap (a
# partial index over active runs and one Redis round trip per batch).
cron.register(recover_runs_job, "default", interval=30, job_timeout=120)
