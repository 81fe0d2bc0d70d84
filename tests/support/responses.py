"""The type of a test client's response, for the helpers that take or return one.

django-stubs types ``Client.get`` & co. as returning ``_MonkeyPatchedWSGIResponse``
(a response with ``.json()``, ``.templates``, ``.context``, …), a name that exists
only in the stubs: import ``TestResponse`` from here under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

__all__ = ["TestResponse"]
