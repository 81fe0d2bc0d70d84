"""The Add policies picker's filter: type, platform and search over the current snapshot."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from inventory.models import SnapshotItem
from inventory.sources.base import POLICY_TYPES


class SnapshotPolicyFilter(django_filters.FilterSet):
    """Built on an already tenant-scoped queryset of current snapshot items."""

    policy_type = django_filters.ChoiceFilter(
        label="Type", choices=[(t, t) for t in POLICY_TYPES], empty_label="All types"
    )
    platform = django_filters.ChoiceFilter(
        label="Platform", field_name="policy__platform", empty_label="All platforms"
    )
    q = django_filters.CharFilter(
        label="Search", field_name="display_name", lookup_expr="icontains", max_length=200
    )

    class Meta:
        model = SnapshotItem
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: QuerySet[SnapshotItem] | None = None) -> None:
        super().__init__(data, queryset=queryset)
        # Only the platforms the snapshot has; anything else is a clear form error, not a 500.
        platforms = self.queryset.order_by().values_list("policy__platform", flat=True).distinct()
        choices = [(p, p) for p in sorted(filter(None, platforms))]
        self.filters["platform"].extra["choices"] = choices

    @property
    def error_text(self) -> str:
        return "; ".join(
            f"{self.filters[name].label if name in self.filters else name}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
