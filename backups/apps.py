from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"

    def ready(self) -> None:
        from backups.capture import perform_add_policies, related_links
        from backups.selectors import ADD_POLICIES
        from operations.registry import RunType, register

        register(
            RunType(
                key=ADD_POLICIES,
                label="Backup: add policies",
                perform=perform_add_policies,
                related=related_links,
                # policy_ids stays in the context for the job, but can be thousands long.
                context_keys=("backup_set_id", "policy_count", "capture_from"),
                context_labels={
                    "backup_set_id": "Backup set id",
                    "policy_count": "Policies chosen",
                    "capture_from": "Captured from",
                },
                count_labels={"total": "Policies", "skipped": "Unchanged, skipped"},
                timeout=900,
            )
        )
