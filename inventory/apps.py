from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"

    def ready(self) -> None:
        from inventory.jobs import CONTEXT_KEYS, RUN_TYPE, on_failed, perform_sync, related_links
        from operations.registry import RunType, register

        register(
            RunType(
                key=RUN_TYPE,
                label="Inventory sync",
                perform=perform_sync,
                related=related_links,
                on_failed=on_failed,
                context_keys=CONTEXT_KEYS,
                context_labels={
                    "scope_key": "Scope",
                    "source": "Policy source",
                    "waiting": "Waiting",
                    "retries": "Retries",
                    "snapshot_id": "Snapshot id",
                },
                count_labels={"total": "Policies", "skipped": "Duplicates skipped"},
                # Graph throttling can stretch a large tenant's sync well past
                # the default 15 minutes; the heartbeat still proves it alive.
                timeout=3600,
            )
        )
