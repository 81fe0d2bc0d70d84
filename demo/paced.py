"""Pacing for the demo source: a sync that people can watch.

The demo source answers in milliseconds, so a person watching the hub would
see "Queued" and then "Succeeded". With pacing, its pages are cut into about
``steps`` small ones and spread over ``seconds`` (``DEMO_SYNC_SECONDS``;
``make run`` sets it, tests leave it at 0: instant). The total is known up
front, as Graph's ``@odata.count`` would tell it, so progress reads
processed / total from the first step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

from demo.source import DemoSource
from inventory.sources.base import ItemError, SourcePolicy, WaitCallback

Page = list[SourcePolicy | ItemError]


class PacedSource:
    def __init__(
        self,
        source: DemoSource,
        *,
        seconds: float,
        steps: int = 12,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.policy_types = source.policy_types
        self.seconds = seconds
        self.steps = max(steps, 1)
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"PacedSource({self.source!r}, seconds={self.seconds})"

    @property
    def expected_total(self) -> int:
        return self.source.expected_total

    def pages(self, *, on_wait: WaitCallback | None = None) -> Iterator[Page]:
        chunk = max(1, math.ceil(self.expected_total / self.steps))
        pause = self.seconds / self.steps
        first = True
        for page in self.source.pages(on_wait=on_wait):
            for start in range(0, len(page), chunk):
                if not first:
                    self.sleep(pause)
                first = False
                yield page[start : start + chunk]
