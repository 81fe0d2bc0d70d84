"""The policy-source contract: what an inventory sync reads policies from.

A source yields pages of policies (or per-item errors) and raises
``SourceError`` when the whole sync cannot go on. Sources are pure Python: the
sync job owns persistence, progress and message sanitising.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from operations.errors import RunError

POLICY_TYPES = (
    "deviceConfiguration",
    "compliancePolicy",
    "settingsCatalog",
    "groupPolicyConfiguration",
)

# Failure taxonomy: code -> default remediation hint for a person.
TAXONOMY: dict[str, str] = {
    "consent_missing": (
        "An administrator must grant admin consent to the app in this tenant "
        "(Entra admin center > Enterprise applications > the app > Permissions)."
    ),
    "permission_missing": (
        "Grant the app the Microsoft Graph application permission "
        "DeviceManagementConfiguration.Read.All and admin-consent it."
    ),
    "licence_missing": (
        "The tenant needs an active Microsoft Intune licence (and an MDM authority) "
        "before its policies can be read."
    ),
    "throttled": (
        "Microsoft Graph is throttling requests for this tenant; try again later and "
        "avoid running several syncs for the same tenant at once."
    ),
    "not_found": (
        "Microsoft Graph did not find the resource; check the tenant id and that Intune "
        "is enabled for the tenant."
    ),
    "graph_unavailable": (
        "Microsoft Graph is unavailable or failing; try again later and check the "
        "Microsoft 365 service health."
    ),
    "timeout": "Microsoft Graph did not answer in time; try again later.",
    "auth_failed": (
        "Check the tenant id, the client id and the client secret value "
        "(the secret value, not the secret ID); client secrets expire."
    ),
    "bad_response": (
        "Microsoft Graph returned a response that could not be read; try again and "
        "report it with the request id if it persists."
    ),
}


@dataclass(frozen=True)
class SourcePolicy:
    policy_type: str  # one of POLICY_TYPES
    external_id: str
    display_name: str
    platform: str  # e.g. "windows10", "iOS", "android", "macOS"
    # The raw body as Graph returns it, volatile fields included; the job normalises.
    settings: dict[str, Any]

    @property
    def stored_name(self) -> str:
        """The name as a row keeps it: PostgreSQL text holds no NUL, the column 300 characters."""
        return self.display_name.replace("\x00", "\ufffd")[:300]


@dataclass(frozen=True)
class ItemError:
    """One policy that could not be read; the sync goes on and counts it failed."""

    policy_type: str
    external_id: str
    display_name: str
    code: str  # a TAXONOMY code
    message: str  # short, human; the caller sanitizes it again anyway


class SourceError(RunError):
    """The whole sync cannot go on (token failure, 5xx after retries, ...).

    A RunError: the run fails with ``code`` and the message followed by ``hint``
    (the taxonomy's, unless the raise gives its own).
    """

    def __init__(self, code: str, message: str, *, hint: str | None = None) -> None:
        # Lenient on purpose: an unknown code must not turn a failure report into a crash.
        super().__init__(
            message, code=code, hint=hint if hint is not None else TAXONOMY.get(code, "")
        )


class WaitCallback(Protocol):
    """Called with the seconds the source is about to sleep (e.g. throttled); during a long
    wait again every WAIT_SLICE seconds with what is left and ``still=True``, so the
    caller can heartbeat (the run is alive, only waiting) without counting a new retry."""

    def __call__(self, seconds: float, /, *, still: bool = False) -> None: ...


WAIT_SLICE = 20.0  # seconds: well under RUN_HEARTBEAT_TIMEOUT's default of 90


class PolicySource(Protocol):
    policy_types: tuple[str, ...]

    def pages(
        self, *, on_wait: WaitCallback | None = None
    ) -> Iterator[list[SourcePolicy | ItemError]]: ...


def check_policy_types(policy_types: tuple[str, ...]) -> tuple[str, ...]:
    """Validate a requested scope; keep the canonical POLICY_TYPES order, no duplicates."""
    unknown = sorted(set(policy_types) - set(POLICY_TYPES))
    if unknown:
        raise ValueError(f"unknown policy types: {', '.join(unknown)}")
    return tuple(t for t in POLICY_TYPES if t in policy_types)
