"""Django classes that django-stubs types as generic but that cannot be subscripted at run time.

``ModelAdmin[Tenant]`` is what mypy --strict wants; Django's own class raises
``TypeError: not subscriptable``. These subclasses accept the subscript and
return themselves, so the type argument is checked and costs nothing at run
time (the same trick as django-stubs-ext's monkeypatch, without patching Django).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin, TabularInline
    from django.forms import ModelForm
else:

    class ModelAdmin(admin.ModelAdmin):
        def __class_getitem__(cls, item: Any) -> type:
            return cls

    class TabularInline(admin.TabularInline):
        def __class_getitem__(cls, item: Any) -> type:
            return cls

    class ModelForm(forms.ModelForm):
        def __class_getitem__(cls, item: Any) -> type:
            return cls


__all__ = ["ModelAdmin", "ModelForm", "TabularInline"]
