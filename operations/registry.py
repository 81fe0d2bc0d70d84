"""The run-type registry: producers register what they run; the lifecycle and the hub read it.

A producer registers once, in its AppConfig.ready(). Nothing here imports a
producer, so monitoring and the lifecycle stay independent of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from operations.models import OperationRun
    from operations.recorder import RunRecorder


@dataclass(frozen=True)
class RelatedLink:
    label: str
    url: str


def no_related(run: OperationRun) -> list[RelatedLink]:
    return []


def nothing_to_settle(run: OperationRun) -> None:
    return None


# What the counts are called unless a run type says otherwise.
COUNT_LABELS: Mapping[str, str] = {
    "total": "Total",
    "processed": "Processed",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "skipped": "Skipped",
}


@dataclass(frozen=True)
class RunType:
    key: str  # "resource.action"
    label: str
    # The producer's service: does the work for one run, reporting through the recorder.
    perform: Callable[[OperationRun, RunRecorder], None]
    related: Callable[[OperationRun], list[RelatedLink]] = no_related
    # Context keys a person may see on the run's detail page (the rest stays internal).
    context_keys: tuple[str, ...] = field(default=())
    # The words each of those keys is shown under (else the key, humanized).
    context_labels: Mapping[str, str] = field(default_factory=dict)
    # The run type's own words for its counts (drift: "Findings", "Unchanged").
    count_labels: Mapping[str, str] = field(default_factory=dict)
    timeout: int = 900  # seconds before RQ stops the job
    # Settles the producer's own objects when its run fails, however it failed:
    # its own error, a timeout, or recovery after the worker died (when the
    # producer's code never ran again). Called inside run_fail's transaction.
    on_failed: Callable[[OperationRun], None] = nothing_to_settle

    def context_label(self, key: str) -> str:
        return self.context_labels.get(key) or key.replace("_", " ").capitalize()

    @property
    def counts(self) -> dict[str, str]:
        return {**COUNT_LABELS, **self.count_labels}

    @property
    def resource(self) -> str:
        return self.key.partition(".")[0]

    @property
    def action(self) -> str:
        return self.key.partition(".")[2]


_registry: dict[str, RunType] = {}


def register(run_type: RunType) -> RunType:
    resource, sep, action = run_type.key.partition(".")
    if not (resource and sep and action):
        raise ValueError(f"run type key must be 'resource.action': {run_type.key!r}")
    _registry[run_type.key] = run_type
    return run_type


def get_run_type(key: str) -> RunType | None:
    return _registry.get(key)


def run_types() -> list[RunType]:
    return sorted(_registry.values(), key=lambda rt: rt.label)


def label_for(key: str) -> str:
    run_type = _registry.get(key)
    return run_type.label if run_type else key


def count_labels_for(key: str) -> dict[str, str]:
    run_type = _registry.get(key)
    return run_type.counts if run_type else dict(COUNT_LABELS)
