"""What happened to one chosen policy in an add-policies run, and how the recorder hears it."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.models import Policy
from operations.recorder import RunRecorder

VANISHED = "policy_vanished"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "succeeded" | "skipped" | "failed"
    item: str = ""
    message: str = ""
    code: str = VANISHED  # for "failed"


SUCCEEDED = Outcome("succeeded")
SKIPPED = Outcome("skipped")


IN_SNAPSHOT = "is not in the latest complete inventory snapshot of its type"
IN_SOURCE = "is no longer listed by the tenant's policy source"


def vanished(policy_id: int, policy: Policy | None, *, why: str = IN_SNAPSHOT) -> Outcome:
    if policy is None:  # the inventory row itself is gone
        return Outcome(
            "failed", f"policy #{policy_id}", "The policy no longer exists in inventory."
        )
    return Outcome(
        "failed",
        policy.display_name,
        f"{policy.display_name} ({policy.policy_type}) {why}: "
        "it was probably deleted from the tenant.",
    )


def report(recorder: RunRecorder, outcome: Outcome) -> None:
    """One item to the recorder, which batches the writes and sanitizes failure entries."""
    if outcome.status == "succeeded":
        recorder.succeeded()
    elif outcome.status == "skipped":
        recorder.skipped()
    else:
        recorder.failed(code=outcome.code, message=outcome.message, item=outcome.item)
