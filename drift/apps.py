from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.urls import reverse

if TYPE_CHECKING:
    from operations.models import OperationRun
    from operations.registry import RelatedLink


def related_links(run: OperationRun) -> list[RelatedLink]:
    """A drift run's Related link: its findings (the findings page filtered by the run)."""
    from operations.registry import RelatedLink

    url = reverse("drift:findings", kwargs={"tenant_slug": run.tenant.slug})
    return [RelatedLink("Drift findings", f"{url}?run={run.pk}")]


class DriftConfig(AppConfig):
    name = "drift"

    def ready(self) -> None:
        from drift.services import RUN_TYPE, perform_generate
        from operations.registry import RunType, register

        register(
            RunType(
                key=RUN_TYPE,
                label="Drift generation",
                perform=perform_generate,
                related=related_links,
                # The stored keys say "run" but hold inventory snapshot (sync) ids.
                context_keys=("scope_key", "baseline_run_id", "current_run_id"),
                context_labels={
                    "scope_key": "Scope",
                    "baseline_run_id": "Baseline snapshot id",
                    "current_run_id": "Current snapshot id",
                },
                count_labels={
                    "total": "Policies compared",
                    "succeeded": "Findings",
                    "skipped": "Unchanged",
                },
                timeout=900,
            )
        )
