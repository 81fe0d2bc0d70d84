"""The hub benchmark's data set still loads, and every page it measures still answers.

bench/hub.py keeps its 1.2M-run data set between runs, so a model change can
break its loader unnoticed until a fresh database needs a load (it happened:
two dropped columns shifted the loader's positional values). Here the same
loader fills a tiny data set of the same shape and each benchmarked page is
requested once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User

from bench import hub, hub_data
from operations.models import OperationRun, RunDayCount

if TYPE_CHECKING:
    from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_hub_benchmark_loads_its_data_set_and_every_page_answers(client: Client) -> None:
    shape = hub_data.Shape(small_tenants=3, per_small=40, big=300)
    loaded = hub_data.load(shape)

    assert loaded.runs == shape.total == OperationRun.objects.count()
    assert loaded.failures > 0
    assert loaded.notifications > 0
    assert RunDayCount.objects.exists()  # the rollup was rebuilt from the loaded runs
    assert hub_data.loaded_shape() == shape
    client.force_login(User.objects.get(username=hub_data.READER))
    for name, (_, url, headers) in hub._pages().items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, url, response.status_code)


def test_a_load_that_fails_half_way_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the COPY broke")

    monkeypatch.setattr(hub_data, "_copy_all", broken)
    with pytest.raises(RuntimeError):
        hub_data.load(hub_data.Shape(small_tenants=1, per_small=10, big=100))
    assert hub_data.loaded_shape() is None


def test_the_growth_set_is_ten_thousand_runs_mostly_in_the_measured_tenant() -> None:
    shape = hub_data.Shape.for_total(10_000)

    assert shape.total == 10_000
    # ~0.6 % of a tenant's runs match the rarest measured filter: 50 rows need ~8,000.
    assert shape.big == 9_000
