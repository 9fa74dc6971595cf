"""Structured logs: one JSON object per line, each carrying the ID of the request that wrote it.

`RequestIdMiddleware` sets `request_id` for the request's thread of work; `RequestIdFilter` copies it onto
every record, so a DingTalk warning, an error and gunicorn's access line for the same request share it.
"""

import contextvars
import datetime
import json
import logging

# "-" outside a request (management commands, start-up).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Extras worth a field of their own (Django's request loggers set status_code). Other `extra=` values are
# left out: meetings.logging.RedactSecretsFilter only cleans the message and the traceback.
_EXTRA_FIELDS = ("status_code",)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx response after the middleware has returned; its record carries the request.
        from_request = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = from_request or request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info or record.exc_text:
            # exc_text first: the redacting filter has already cleaned it.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
