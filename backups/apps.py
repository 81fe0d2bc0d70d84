from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"

    def ready(self) -> None:
        from backups.jobs import CONTEXT_KEYS, RUN_TYPE, perform_add_policies, related_links
        from operations.registry import RunType, register

        register(
            RunType(
                key=RUN_TYPE,
                label="Backup: add policies",
                perform=perform_add_policies,
                related=related_links,
                context_keys=CONTEXT_KEYS,
                context_labels={
                    "backup_set_id": "Backup set id",
                    "policy_count": "Policies chosen",
                    "capture_from": "Captured from",
                },
                count_labels={"total": "Policies", "skipped": "Unchanged, skipped"},
                timeout=900,
            )
        )
