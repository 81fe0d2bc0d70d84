from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "drift"

    def ready(self) -> None:
        from drift.jobs import CONTEXT_KEYS, RUN_TYPE, perform_generate, related_links
        from operations.registry import RunType, register

        register(
            RunType(
                key=RUN_TYPE,
                label="Drift generation",
                perform=perform_generate,
                related=related_links,
                context_keys=CONTEXT_KEYS,
                context_labels={
                    "scope_key": "Scope",
                    "baseline_sync_id": "Baseline snapshot id",
                    "current_sync_id": "Current snapshot id",
                },
                count_labels={
                    "total": "Policies compared",
                    "succeeded": "Findings",
                    "skipped": "Unchanged",
                },
                timeout=900,
            )
        )
