"""Response headers the whole portal shares: a Content-Security-Policy and a request ID."""

import re
import uuid

from django.conf import settings

from . import jsonlog

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
        token = jsonlog.request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            jsonlog.request_id.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Send `settings.CONTENT_SECURITY_POLICY` on every response that does not set its own.

    The portal's and the Django admin's templates load scripts and styles only from files, so the policy
    needs no 'unsafe-inline': injected markup cannot run script or restyle the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
