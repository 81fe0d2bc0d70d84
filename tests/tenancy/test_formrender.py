"""The Python widget renderer writes exactly what Django's form templates write."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import mark_safe

from monitoring.filters import RunFilterSet
from operations.models import OperationRun
from tenantatlas.formrender import PythonWidgets
from tenantatlas.tenancy import Member

UTC = ZoneInfo("UTC")
MARKUP = "<b>\"x\" & 'y'</b>"


class Sample(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Any"), ("a", "Plain"), (MARKUP, MARKUP), (3, 3)], required=False
    )
    grouped = forms.ChoiceField(
        choices=[("One", [("1", "uno"), ("2", "dos")]), ("3", "tres")], label="Grouped?"
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    number = forms.IntegerField(
        min_value=1, widget=forms.NumberInput(attrs={"placeholder": MARKUP, "data-x": True})
    )
    text = forms.CharField(label=mark_safe("<i>Safe</i> label"), max_length=5, required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    flag = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(widget=forms.Textarea, required=False)  # not handled: templates
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect, required=False)


DATA: list[dict[str, Any]] = [
    {},
    {"kind": MARKUP, "grouped": "2", "many": ["a", "b"], "day": "2026-02-30", "number": "0"},
    {"kind": "3", "grouped": "3", "day": "2026-12-07", "number": "7", "text": MARKUP},
    {"kind": "nope", "text": "toolongvalue", "secret": MARKUP, "flag": "on", "hidden": MARKUP},
]


class Counting(PythonWidgets):
    """Notes which templates went to Django's engine after all."""

    def __init__(self) -> None:
        self.templated: set[str] = set()

    def get_template(self, template_name: str) -> Any:
        self.templated.add(template_name)
        return super().get_template(template_name)


def _fields(form: forms.Form) -> list[str]:
    return [f"{field.label_tag()}|{field}|{field.errors}" for field in form]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("bound", [True, False])
def test_every_field_renders_as_django_renders_it(data: dict[str, Any], bound: bool) -> None:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    initial = {"day": date(2026, 1, 2), "kind": "a", "text": MARKUP}
    args: dict[str, Any] = {"data": query} if bound else {"initial": initial}

    renderer = Counting()
    ours = Sample(renderer=renderer, **args)
    django = Sample(renderer=DjangoTemplates(), **args)
    if bound:
        assert ours.is_valid() is django.is_valid() is False  # errors render too

    assert _fields(ours) == _fields(django)
    # Only what it does not handle (textarea, radio buttons, error lists) was templated.
    assert not any(
        name.endswith(("select.html", "input.html", "label.html")) for name in renderer.templated
    )
    assert "django/forms/widgets/textarea.html" in renderer.templated


@pytest.mark.parametrize(
    "query", ["", "run_type=drift.generate&status_bucket=failed&initiated_by=2", "run=x&range=9"]
)
def test_the_hub_filter_bar_is_unchanged(query: str) -> None:
    def filters(renderer: Any) -> list[str]:
        members = [Member(id=1, username=MARKUP), Member(id=2, username="bob")]
        filter_set = RunFilterSet(
            QueryDict(query),
            OperationRun.objects.none(),
            tz=UTC,
            now=timezone.now(),
            members=members,
        )
        filter_set.form.renderer = renderer
        return _fields(filter_set.form)

    assert isinstance(RunFilterSet.Meta.form.default_renderer, PythonWidgets)
    assert filters(PythonWidgets()) == filters(DjangoTemplates())
