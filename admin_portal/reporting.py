"""What Django's error reports show -- the DEBUG technical 500 page and the mails to ADMINS -- without
tokens, secrets or database passwords, whatever DEBUG is (settings.DEFAULT_EXCEPTION_REPORTER_FILTER).

Django's own filter masks settings and headers whose names look secret, but it leaves local variables
and POST data alone when DEBUG is on: a developer's page then showed the DingTalk token in a lambda's
arguments and a token just pasted in the admin. This filter is always active, masks variables and POST
fields whose names look secret, and in every other value replaces what admin_portal.logging.redact
finds (the secrets this process holds, `accessToken=...`-style values) and the password of any URL.
"""

import pprint
import re

from django.views.debug import SafeExceptionReporterFilter

from .logging import redact

# user:password@ in a URL such as DATABASE_URL.
_URL_PASSWORD = re.compile(r"(?P<user>//[^:/@\s]*:)[^@\s/]+@")


def mask(text: str) -> str:
    return _URL_PASSWORD.sub(r"\g<user>********************@", redact(text))


class _Shown:
    """A variable's masked repr, which the report prints as it is."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return self.text


class SecretsReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL", flags=re.I)

    def is_active(self, request):
        return True  # Django's is off under DEBUG, exactly when the page shows the most

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask(cleansed) if type(cleansed) is str else cleansed  # not lazy objects that pass as str

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not parameters:
            return parameters
        parameters = parameters.copy()
        for name in parameters:
            values = parameters.getlist(name)
            if self.hidden_settings.search(name):
                values = [self.cleansed_substitute for _ in values]
            parameters.setlist(name, [mask(value) if isinstance(value, str) else value for value in values])
        return parameters

    def get_traceback_frame_variables(self, request, tb_frame):
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if self.hidden_settings.search(name):
                value = self.cleansed_substitute
            elif not isinstance(value, str) or value != self.cleansed_substitute:
                value = self._masked(value)
            cleansed.append((name, value))
        return cleansed

    @staticmethod
    def _masked(value):
        try:
            text = pprint.pformat(value)
        except Exception:  # the report says so itself when it formats the value
            return value
        masked = mask(text)
        return value if masked == text else _Shown(masked)
