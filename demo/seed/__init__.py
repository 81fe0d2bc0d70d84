"""``seed_demo``'s history, one module per producer, run in dependency order."""

from __future__ import annotations

from demo.seed import backups, drift, inventory
from demo.seed.cast import DemoCast

# Drift compares the syncs inventory made; backups capture their policies.
PRODUCERS = (("inventory", inventory.seed), ("drift", drift.seed), ("backups", backups.seed))


def seed_history(cast: DemoCast) -> list[str]:
    """Give every producer its demo history; returns the names seeded, in order."""
    for _, seed in PRODUCERS:
        seed(cast)
    return [name for name, _ in PRODUCERS]
