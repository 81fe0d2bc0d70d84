"""Every log record through the one sanitizer: a ``logging.Filter`` on every LOGGING handler.

A record's message is built from ``msg % args`` and its traceback is formatted
later by the handler's formatter; a secret can hide in any of the three. The
filter renders the message, redacts it (line by line: multi-line messages stay
multi-line), then formats the traceback and stack itself and redacts those the
same way, frames kept. The record then carries only text, so no formatter
downstream can bring a raw value back. Filtering twice changes nothing.
"""

from __future__ import annotations

import logging

from operations.sanitize import redact_lines

_FORMATTER = logging.Formatter()
MAX_MESSAGE = 20_000  # a log line worth reading; a megabyte body is cut, not stored


class SanitizingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} (unformattable arguments)"
        record.msg, record.args = redact_lines(message[:MAX_MESSAGE]), None
        if record.exc_info:
            record.exc_text = redact_lines(_FORMATTER.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_lines(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_lines(record.stack_info)
        return True
