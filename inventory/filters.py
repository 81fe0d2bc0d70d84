"""Filters for a snapshot's policies, always built on an already tenant-scoped queryset."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from inventory.models import POLICY_TYPE_LABELS, SnapshotItem


class SnapshotItemFilter(django_filters.FilterSet):
    policy_type = django_filters.ChoiceFilter(
        label="Type", choices=list(POLICY_TYPE_LABELS.items()), empty_label="Any type"
    )
    platform = django_filters.ChoiceFilter(
        label="Platform", field_name="policy__platform", choices=[], empty_label="Any platform"
    )
    q = django_filters.CharFilter(label="Search", method="search", max_length=100)

    class Meta:
        model = SnapshotItem
        fields = ["policy_type", "platform", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer the platforms this snapshot actually has.
        platforms = (
            self.queryset.order_by("policy__platform")
            .values_list("policy__platform", flat=True)
            .distinct()
        )
        self.filters["platform"].extra["choices"] = [(p, p) for p in platforms if p]

    def search(self, queryset: QuerySet[SnapshotItem], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(display_name__icontains=value) | Q(external_id__iexact=value))
