"""The hub's filters: one FilterSet for the HTML list and the JSON API.

It validates the query string and filters an already tenant-scoped queryset
on indexed columns only: ``resource`` + ``action`` (the run type),
``status_bucket`` (a stored generated column), ``created_at``, the run's id
(``run``, the primary key) and ``initiated_by`` (its foreign-key index). Day
boundaries are local midnights in the tenant's time zone (timerange.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from monitoring import timerange
from monitoring.keyset import Cursor, CursorError
from operations.models import OperationRun, StatusBucket
from operations.registry import run_types
from tenantatlas.formrender import PythonWidgets
from tenantatlas.tenancy import Member, TenantRequest

# Postgres bigint: a larger "Run #" is a typing mistake, refused before the query.
MAX_RUN_ID = 2**63 - 1

# Dates outside these are typing mistakes; refusing them also keeps
# ``date + 1 day`` and time-zone arithmetic far from datetime's limits.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def run_type_choices() -> list[tuple[str, str]]:
    """Read at form time: producers register their types when their apps are ready."""
    return [(run_type.key, run_type.label) for run_type in run_types()]


def _check_day(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        raise forms.ValidationError(
            "Enter a date between %(first)s and %(last)s.",
            params={"first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()},
        )
    return value


class RunFilterForm(forms.Form):
    """The FilterSet's form, plus the page cursor (validated here, applied by keyset.py)."""

    # Django's markup, formatted in Python: the filter bar is on every list page.
    default_renderer = PythonWidgets()
    cursor = forms.CharField(label="Page link", required=False, max_length=200)

    def clean_cursor(self) -> Cursor | None:
        token = self.cleaned_data.get("cursor") or ""
        try:
            return Cursor.decode(token) if token else None
        except CursorError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_created_after(self) -> date | None:
        return _check_day(self.cleaned_data.get("created_after"))

    def clean_created_before(self) -> date | None:
        return _check_day(self.cleaned_data.get("created_before"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        after, before = data.get("created_after"), data.get("created_before")
        if after and before and after > before:
            self.add_error("created_after", "The start date is after the end date.")
        return data


_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RunFilterSet(django_filters.FilterSet):
    run_type = django_filters.ChoiceFilter(
        label="Type", choices=run_type_choices, method="filter_run_type", empty_label="Any type"
    )
    status_bucket = django_filters.ChoiceFilter(
        label="Status", choices=StatusBucket.choices, empty_label="Any status"
    )
    range = django_filters.ChoiceFilter(
        label="Range",
        choices=timerange.RANGE_CHOICES,
        method="filter_range",
        empty_label="Any time",
    )
    created_after = django_filters.DateFilter(
        label="From (day)", method="filter_after", widget=_DATE_WIDGET
    )
    created_before = django_filters.DateFilter(
        label="To (day, inclusive)", method="filter_before", widget=_DATE_WIDGET
    )

    run = django_filters.NumberFilter(
        label="Run #", field_name="pk", min_value=1, max_value=MAX_RUN_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "id"}),
    )  # fmt: skip
    # Choices are this tenant's members (set in __init__ from the list
    # TenantMiddleware read with the membership: no query of its own, neither to
    # render nor to validate); anyone else's id is "not one of the available
    # choices", the same answer as garbage.
    initiated_by = django_filters.ChoiceFilter(
        label="Started by", field_name="initiated_by", choices=(), empty_label="Anyone"
    )

    class Meta:
        model = OperationRun
        fields = [
            "run_type", "status_bucket", "range", "created_after", "created_before",
            "run", "initiated_by",
        ]  # fmt: skip
        form = RunFilterForm

    def __init__(
        self, data: Any = None, queryset: QuerySet[OperationRun] | None = None, *,
        tz: ZoneInfo, now: datetime, members: Sequence[Member] = (),
    ) -> None:  # fmt: skip
        super().__init__(data, queryset)
        self.tz = tz
        self.now = now
        field = self.form.fields["initiated_by"]
        field.choices = [(str(member.id), member.username) for member in members]

    @classmethod
    def for_request(cls, request: TenantRequest, runs: QuerySet[OperationRun]) -> RunFilterSet:
        """The hub's and the API's filters: the query string, days in the person's zone."""
        return cls(
            request.GET, runs, tz=request.time_zone, now=timezone.now(), members=request.members
        )

    # -- the filters -----------------------------------------------------------

    def filter_run_type(
        self, queryset: QuerySet[OperationRun], name: str, value: str
    ) -> QuerySet[OperationRun]:
        runs: QuerySet[OperationRun] = queryset.of_type(value)  # type: ignore[attr-defined]
        return runs

    def filter_range(
        self, queryset: QuerySet[OperationRun], name: str, value: str
    ) -> QuerySet[OperationRun]:
        start = timerange.preset_start(value, now=self.now, tz=self.tz)
        return queryset.filter(created_at__gte=start)

    def filter_after(
        self, queryset: QuerySet[OperationRun], name: str, value: date
    ) -> QuerySet[OperationRun]:
        return queryset.filter(created_at__gte=timerange.day_start(value, self.tz))

    def filter_before(
        self, queryset: QuerySet[OperationRun], name: str, value: date
    ) -> QuerySet[OperationRun]:
        return queryset.filter(created_at__lt=timerange.day_end(value, self.tz))

    # -- what views read -------------------------------------------------------

    def filter_queryset(
        self, queryset: QuerySet[OperationRun], *, skip: tuple[str, ...] = ()
    ) -> QuerySet[OperationRun]:
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def qs_without(self, *names: str) -> QuerySet[OperationRun]:
        """The filtered runs, ignoring some filters (the tabs count every bucket)."""
        self.errors  # noqa: B018 - validates the form first, as ``qs`` does
        return self.filter_queryset(self.queryset.all(), skip=names)

    @property
    def cursor(self) -> Cursor | None:
        cursor: Cursor | None = self.form.cleaned_data.get("cursor")
        return cursor

    @property
    def run_id(self) -> int | None:
        value = self.form.cleaned_data.get("run")
        return int(value) if value is not None else None

    @property
    def bucket(self) -> str:
        return self.form.cleaned_data.get("status_bucket") or ""

    @property
    def selected_type(self) -> str:
        return self.form.cleaned_data.get("run_type") or ""

    @property
    def whole_days(self) -> bool:
        """Whether the time filter is whole local days (what the run rollup counts)."""
        whole: bool = self.form.cleaned_data.get("range") != "24h"
        return whole

    @property
    def active(self) -> bool:
        """Whether any filter (not just a cursor) is applied."""
        return any(self.form.cleaned_data.get(name) for name in self.filters)

    def window(self) -> timerange.Window:
        data = self.form.cleaned_data
        return timerange.chart_window(
            preset=data.get("range") or None,
            after=data.get("created_after"),
            before=data.get("created_before"),
            now=self.now,
            tz=self.tz,
        )

    def error_fields(self) -> dict[str, list[str]]:
        return {name: [str(message) for message in errors] for name, errors in self.errors.items()}
