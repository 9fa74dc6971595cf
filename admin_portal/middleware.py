"""What every request shares: a request ID, one time budget for DingTalk, and no caching of signed-in pages."""

import re
import uuid

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from meetings import dingtalk

from .logging import request_id

REQUEST_ID_HEADER = "X-Request-ID"
# An ID a proxy in front of us already gave the request is kept, if it cannot smuggle anything into a log.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Give every request an ID, log with it, and return it in `X-Request-ID` for people to quote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class DingTalkDeadlineMiddleware:
    """All DingTalk calls of one request end within settings.DINGTALK_DEADLINE seconds, together.

    A save reads the meeting, may renew a token, updates, and may retry each: the settings keep that one
    budget well under gunicorn's worker timeout, so the person always gets a message, never a dead worker.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.DINGTALK_DEADLINE

    def __call__(self, request):
        with dingtalk.shared_deadline(self.seconds):
            return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """`Cache-Control: no-store` (Django's never_cache headers) on every response to a signed-in person:
    meeting pages, history, activity and its CSV, the admin. A shared or browser cache must not keep what
    the next person at the machine, or a proxy, could read back. Static files never get here (WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
