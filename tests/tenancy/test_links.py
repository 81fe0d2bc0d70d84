"""reverse_cached gives exactly what reverse() gives, for any ids, slugs and script prefix."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from tenantatlas.links import _PLACEHOLDER, reverse_cached

VERSION = "backups:versions"  # two ids: the set's and the policy's


@pytest.fixture(autouse=True)
def _root_prefix() -> object:
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(
    ("viewname", "kwargs"),
    [
        ("monitoring:run_detail", {"tenant_slug": "contoso", "run_id": 1}),
        ("monitoring:run_detail", {"tenant_slug": "contoso", "run_id": 9_007_199_254_740_993}),
        ("monitoring:run_detail", {"tenant_slug": "fabrikam-2", "run_id": 42}),
        ("inventory:sync_detail", {"tenant_slug": "contoso", "sync_id": 7}),
        ("backups:detail", {"tenant_slug": "contoso", "backup_set_id": 12}),
        (VERSION, {"tenant_slug": "contoso", "backup_set_id": 12, "policy_id": 7}),
        ("drift:findings", {"tenant_slug": "contoso"}),
        ("monitoring:run_list", {"tenant_slug": "contoso"}),
    ],
)
def test_the_same_url_as_reverse(viewname: str, kwargs: dict[str, object]) -> None:
    assert reverse_cached(viewname, **kwargs) == reverse(viewname, kwargs=kwargs)


def test_each_call_formats_its_own_ids_into_the_kept_shape() -> None:
    urls = [reverse_cached("monitoring:run_detail", tenant_slug="acme", run_id=n) for n in (3, 30)]
    assert urls == ["/t/acme/monitoring/operations/3/", "/t/acme/monitoring/operations/30/"]


def test_a_slug_that_holds_the_placeholder_is_reversed_the_slow_way() -> None:
    slug = f"t{_PLACEHOLDER}"
    url = reverse_cached("monitoring:run_detail", tenant_slug=slug, run_id=5)
    assert url == reverse("monitoring:run_detail", kwargs={"tenant_slug": slug, "run_id": 5})
    assert url == f"/t/{slug}/monitoring/operations/5/"


def test_the_script_prefix_is_part_of_the_shape() -> None:
    before = reverse_cached("monitoring:run_detail", tenant_slug="contoso", run_id=5)
    set_script_prefix("/atlas/")
    after = reverse_cached("monitoring:run_detail", tenant_slug="contoso", run_id=5)
    assert before == "/t/contoso/monitoring/operations/5/"
    assert after == "/atlas/t/contoso/monitoring/operations/5/"


def test_a_bad_argument_fails_as_reverse_fails() -> None:
    with pytest.raises(NoReverseMatch):
        reverse_cached("monitoring:run_detail", tenant_slug="contoso", run_id="x")


def test_two_ids_each_in_its_place_even_one_that_looks_like_a_placeholder() -> None:
    odd = _PLACEHOLDER + 1  # the second placeholder's digits, as the first id
    for first, second in ((3, 4), (odd, 4), (4, odd)):
        kwargs = {"tenant_slug": "acme", "backup_set_id": first, "policy_id": second}
        assert reverse_cached(VERSION, **kwargs) == reverse(VERSION, kwargs=kwargs)
