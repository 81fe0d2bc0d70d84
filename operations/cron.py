"""RQ cron configuration: ``python manage.py rqcron operations.cron``.

Only periodic upkeep lives here. Recovering runs a dead worker left behind is
not a cron job: it runs in ``manage.py run_reaper`` (operations/reaper.py), a
process that does no other work, so a full queue cannot delay it.
"""

from rq import cron

from operations.jobs import reconcile_rollup_job

# The run rollup is kept by the lifecycle; this recount repairs (and logs) any drift,
# e.g. after rows were changed by hand. One grouped query per tenant.
cron.register(reconcile_rollup_job, "default", interval=3600, job_timeout=1800)
