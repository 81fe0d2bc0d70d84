"""A person's preferences."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms

from tenantatlas.generics import ModelForm
from tenantatlas.models import Preferences, time_zone_names

FOLLOW_TENANT = "Each tenant's own time zone"


def time_zone_choices() -> list[tuple[str, Any]]:
    """Every zone the server knows, grouped by region for a long select; labels are the names
    the pages show (``Europe/Paris``)."""
    regions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    plain: list[tuple[str, str]] = []
    for name in sorted(time_zone_names()):
        region, _, place = name.partition("/")
        (regions[region] if place else plain).append((name, name))
    return [("", FOLLOW_TENANT), *plain, *regions.items()]


class PreferencesForm(ModelForm[Preferences]):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Every time and every day filter is shown in this zone.",
    )

    class Meta:
        model = Preferences
        fields = ["time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]
