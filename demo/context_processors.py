from django.conf import settings


def dingtalk_sandbox(request):
    """The local sandbox's address, for the menu link; empty unless settings allow it (development only)."""
    return {"dingtalk_sandbox_url": settings.DINGTALK_SANDBOX_URL}
