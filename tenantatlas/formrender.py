"""A form renderer that writes the common widgets' HTML in Python, byte for byte.

Django renders every widget, every ``<option>`` and every label through its
form templates: ~20-50 µs per option, which for the hub's filter bar (four
selects, three inputs, seven labels) was ~1.7 ms of every list page. This
renderer takes the context Django's own widget code builds (names, values,
``selected``, ids, aria attributes: nothing is re-derived here) and formats the
same markup as Django's templates, escaping exactly where they autoescape.
Any other template (checkboxes, textareas, whole forms) goes to Django's
templates as before. ``tests/tenancy/test_formrender.py`` holds the output
equal to Django's for the widgets it handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

_WIDGETS = "django/forms/widgets/"
# The widgets whose template is just ``{% include "…/input.html" %}``.
_INPUT_NAMES = (
    "input checkbox color date datetime email file hidden number password search tel text time url"
)
INPUTS = frozenset(f"{_WIDGETS}{name}.html" for name in _INPUT_NAMES.split())
SELECT = f"{_WIDGETS}select.html"
OPTION = f"{_WIDGETS}select_option.html"
LABEL = "django/forms/label.html"


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape: safe strings stay as they are."""
    if isinstance(value, SafeData):
        return str(value)
    return str(conditional_escape(str(value)))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html`` (and ``django/forms/attrs.html``, the same loop)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        name_html = conditional_escape(name)
        parts.append(f" {name_html}" if value is True else f' {name_html}="{_text(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{_text(value)}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value_html}{_attrs(widget["attrs"])}>'


def _option(option: Mapping[str, Any]) -> str:
    label = conditional_escape(option["label"])
    return f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>{label}</option>\n'


def _select(widget: Mapping[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: Mapping[str, Any]) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return str(label)
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


class PythonWidgets(DjangoTemplates):
    """Django's template renderer, with selects, inputs and labels formatted in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        html: str | None = None
        if template_name == LABEL:
            html = _label(context)
        elif template_name in INPUTS:
            html = _input(context["widget"])
        elif template_name == SELECT:
            html = _select(context["widget"])
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()  # as Django's renderer strips its templates' output
