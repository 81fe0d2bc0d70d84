"""``{% load run_links %}`` then ``{{ run|run_url }}``: a run's hub page, in any template."""

from __future__ import annotations

from django import template

from monitoring import links
from operations.models import OperationRun

register = template.Library()


@register.filter
def run_url(run: OperationRun) -> str:
    return links.run_url(run)
