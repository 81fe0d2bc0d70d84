"""Benchmark: our drift engine against DeepDiff on the same snapshots (same findings, time).

    make bench            # or: DEBUG=1 .venv/bin/python bench/drift_deepdiff.py [--size N]

In memory, no database: the data set of bench/drift.py (demo policies of ~7 KB
with assignments; 1 % changed, half of those in their assignments; the current
side read back with every set-like array reordered). Both sides are normalised
as a sync stores them. Then:

* ours: the merge join of the ingest hashes (taken at sync time, so not timed
  here, as in the worker) and ``diff_settings`` of the policies whose hashes
  differ -- what ``drift.generate`` does after loading rows;
* DeepDiff with ``ignore_order=True`` (so that reordering is not drift) and
  Microsoft's metadata excluded, on every pair of policies.

It prints both times, the ratio, and whether both report the same changed
policies (it exits non-zero if not). Not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django

django.setup()

from deepdiff import DeepDiff  # noqa: E402

from drift.diff import compare_hashes, diff_settings  # noqa: E402
from inventory.identity import CATALOG_OBJECTS, METADATA, shuffled  # noqa: E402
from inventory.normalize import content_hash, normalize_settings  # noqa: E402

Key = tuple[str, str]
_spec = importlib.util.spec_from_file_location("bench_drift", Path(__file__).with_name("drift.py"))
assert _spec is not None and _spec.loader is not None
bench_drift = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_drift)

# Microsoft's metadata, as DeepDiff paths: root['settings'][3]['settingDefinitions'] ...
EXCLUDE = [rf"\['{key}'\]" for key in sorted(METADATA)] + [
    rf"\['{key}'\]\['(?!id')[^']+'\]" for key in sorted(CATALOG_OBJECTS)
]


def data_set(size: int, share: float) -> tuple[dict[Key, Any], dict[Key, Any]]:
    policies = bench_drift._policies(size)
    every = round(1 / share)
    rng = random.Random("bench-deepdiff")
    baseline, current = {}, {}
    for serial, policy in enumerate(policies):
        key = (policy.policy_type, policy.external_id)
        settings = normalize_settings(policy.settings)
        baseline[key] = settings
        after = bench_drift._mutate(settings, serial) if serial % every == every // 2 else settings
        current[key] = shuffled(after, rng)
    return baseline, current


def ours(
    baseline: dict[Key, Any], current: dict[Key, Any], hashes: dict[str, dict[Key, str]]
) -> tuple[set[Key], float]:
    start = time.perf_counter()
    pairs = compare_hashes(
        ((k, hashes["b"][k]) for k in sorted(baseline)),
        ((k, hashes["c"][k]) for k in sorted(current)),
    )
    changed = {
        key
        for status, key in pairs
        if status == "modified" and diff_settings(baseline[key], current[key])
    }
    return changed, time.perf_counter() - start


def deepdiff(baseline: dict[Key, Any], current: dict[Key, Any]) -> tuple[set[Key], float]:
    start = time.perf_counter()
    changed = {
        key
        for key in sorted(baseline)
        if DeepDiff(baseline[key], current[key], ignore_order=True, exclude_regex_paths=EXCLUDE)
    }
    return changed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500, help="policies per snapshot")
    parser.add_argument("--changed", type=float, default=0.01, help="share of policies modified")
    args = parser.parse_args()
    baseline, current = data_set(args.size, args.changed)
    hashes = {
        "b": {k: content_hash(v) for k, v in baseline.items()},
        "c": {k: content_hash(v) for k, v in current.items()},
    }
    mine, mine_s = ours(baseline, current, hashes)
    theirs, theirs_s = deepdiff(baseline, current)
    same = mine == theirs
    print(
        f"drift engine vs DeepDiff (ignore_order=True), {args.size:,} vs {args.size:,} policies,"
        f" {args.changed:.0%} changed, every set-like array reordered:\n"
        f"ours: {len(mine)} changed policies in {mine_s:.3f} s;"
        f" DeepDiff: {len(theirs)} in {theirs_s:.3f} s"
        f" ({theirs_s / max(mine_s, 1e-9):,.0f}x slower);"
        f" same changed policies: {'yes' if same else 'NO'}"
    )
    if not same:
        print(f"only ours: {sorted(mine - theirs)[:5]}; only DeepDiff: {sorted(theirs - mine)[:5]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
