"""The one base class a producer's errors share, so the lifecycle reads their code and hint.

Pure Python (no Django): policy sources raise these too.
"""

from __future__ import annotations

from operations.sanitize import DEFAULT_MAX_LENGTH


class RunError(Exception):
    """What a producer raises to fail its run with a taxonomy code and a hint for a person.

    The one base class the lifecycle reads: it stores ``code`` and the message
    followed by the hint (``reason``). A subclass sets ``code``/``hint`` as
    class defaults or per raise. Any other exception fails the run with its
    class name and a sanitized description (``operations.faults.describe``).
    """

    code: str = "run_error"
    hint: str = ""

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message

    @property
    def reason(self) -> str:
        """What the run's failure says: the message, then the hint."""
        return with_hint(self.message, self.hint)


def with_hint(message: str, hint: str, *, limit: int = DEFAULT_MAX_LENGTH) -> str:
    """``message`` followed by its hint, cutting the message (not the hint) to fit ``limit``."""
    if not hint:
        return message
    suffix = f" Hint: {hint}"
    room = max(limit - len(suffix), 40)
    if len(message) > room:
        message = message[: room - 1].rstrip() + "…"
    return message + suffix
