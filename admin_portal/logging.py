"""Logging for every request: tokens and secrets taken out, and one JSON object per line with the request ID.

`RedactSecretsFilter` is wired on the handlers in settings.LOGGING, so it sees every record that is
written, whichever logger it came from. It redacts
- the values of the `x-acs-dingtalk-access-token` header and of accessToken, appSecret, suiteSecret and
  suiteTicket (and their snake_case names), in JSON, a Python repr, a header line or a query string;
- every secret this process currently holds (crypto.known_secrets), wherever it appears.
The message, its arguments and any traceback text are formatted first and then redacted, so a secret
cannot slip through in an argument or in an exception's text.

`RequestIdMiddleware` (admin_portal/middleware.py) sets `request_id` for the request's thread of work;
`RequestIdFilter` copies it onto every record, so a DingTalk warning, an error and gunicorn's access line
for the same request share it. `JsonFormatter` writes what log shippers read.
"""

import contextvars
import datetime
import json
import logging
import re

from meetings import crypto

REDACTED = "[REDACTED]"
# Attributes every LogRecord has; any other was passed with `extra=` and may be written by a formatter.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# A name that holds a secret, then `:` or `=`, then the value: quoted (to the closing quote) or bare.
_SECRET_VALUE = re.compile(
    r"""(?P<name>['"]?\b(?:x-acs-dingtalk-access-token|accessToken|appSecret|suiteSecret|suiteTicket|"""
    r"""access_token|app_secret|suite_secret|suite_ticket|clientSecret|client_secret|refreshToken|refresh_token)"""
    r"""['"]?\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^'"\s,;&}]+)""",
    re.IGNORECASE,
)


def _redact_value(match: re.Match) -> str:
    quote = match["value"][0] if match["value"][0] in "'\"" else ""
    return f"{match['name']}{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """The text with every token and secret replaced by [REDACTED]."""
    for secret in crypto.known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _SECRET_VALUE.sub(_redact_value, text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it, as without this filter
            return True
        record.msg, record.args = redact(message), None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, redact(value))  # values passed with `extra=`
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# --- Request IDs and JSON lines ------------------------------------------------------------------

# "-" outside a request (management commands, start-up).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Extras worth a field of their own (Django's request loggers set status_code). Other `extra=` values are
# left out: RedactSecretsFilter only cleans the message and the traceback.
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
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
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
