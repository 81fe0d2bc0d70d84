from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"

    def ready(self) -> None:
        from operations.reaper import reaper_alive
        from tenantatlas.health import health_check

        # /healthz turns red when no reaper has finished a pass lately: a dead
        # reaper means lost runs would stay "running" (docs/reliability.md).
        health_check("reaper")(reaper_alive)
