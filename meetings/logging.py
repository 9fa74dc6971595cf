"""A logging filter that takes DingTalk tokens and secrets out of log records.

Wired on the handlers in settings.LOGGING, so it sees every record that is written, whichever logger
it came from. It redacts
- the values of the `x-acs-dingtalk-access-token` header and of accessToken, appSecret, suiteSecret and
  suiteTicket (and their snake_case names), in JSON, a Python repr, a header line or a query string;
- every secret this process currently holds (crypto.known_secrets), wherever it appears.
The message, its arguments and any traceback text are formatted first and then redacted, so a secret
cannot slip through in an argument or in an exception's text.
"""

import logging
import re

from . import crypto

REDACTED = "[REDACTED]"
# Attributes every LogRecord has; any other was passed with `extra=` and may be written by a formatter.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# A name that holds a secret, then `:` or `=`, then the value: quoted (to the closing quote) or bare.
_SECRET_VALUE = re.compile(
    r"""(?P<name>['"]?\b(?:x-acs-dingtalk-access-token|accessToken|appSecret|suiteSecret|suiteTicket|"""
    r"""access_token|app_secret|suite_secret|suite_ticket)['"]?\s*[:=]\s*)"""
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
