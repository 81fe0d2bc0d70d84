"""``reverse()`` for links made many times a request: each URL's shape reversed once.

Django's ``reverse()`` matches the pattern anew on every call (≈ 40 µs here);
the JSON API's list makes one or two per row (a run's related links). Here
the integer arguments (object ids) become placeholders in a URL reversed once
per script prefix, URL name and remaining arguments (a tenant's slug); each
call formats its ids into that template. The answer is the same string
``reverse()`` gives (tests/tenancy/test_links.py) for patterns whose integer
arguments use ``<int:…>`` or another converter whose ``to_url`` is ``str()``.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

# Far outside any real id; a URL that already contains one (a slug made of
# these digits) is not cached but reversed each time.
_PLACEHOLDER = 918_273_645_546_372_819


def reverse_cached(viewname: str, **kwargs: object) -> str:
    """``reverse(viewname, kwargs=kwargs)``, from a template kept per URL shape."""
    numbers = tuple(name for name, value in kwargs.items() if type(value) is int)
    fixed = tuple((name, value) for name, value in kwargs.items() if name not in numbers)
    parts = _template(get_script_prefix(), get_urlconf(), viewname, fixed, numbers)
    if parts is None:
        return reverse(viewname, kwargs=kwargs)
    # Text and argument names alternate: "/t/acme/runs/", "run_id", "/".
    return "".join(part if n % 2 == 0 else str(kwargs[part]) for n, part in enumerate(parts))


@lru_cache(maxsize=4096)
def _template(
    prefix: str,
    urlconf: str | None,
    viewname: str,
    fixed: tuple[tuple[str, object], ...],
    numbers: tuple[str, ...],
) -> tuple[str, ...] | None:
    """The URL cut at its ids, or None where a placeholder would be ambiguous."""
    placeholders = {name: str(_PLACEHOLDER + n) for n, name in enumerate(numbers)}
    url = reverse(viewname, urlconf=urlconf, kwargs={**dict(fixed), **placeholders})
    if any(url.count(value) != 1 for value in placeholders.values()):
        return None
    parts: list[str] = []
    rest = url
    for name, value in sorted(placeholders.items(), key=lambda item: url.index(item[1])):
        before, _, rest = rest.partition(value)
        parts += [before, name]
    return (*parts, rest)
