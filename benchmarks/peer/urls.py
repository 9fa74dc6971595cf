"""The portal's URLs unchanged, then the three peer admin sites (a URL of the portal is matched first)."""

from django.urls import path

from admin_portal.urls import urlpatterns as portal_urlpatterns

from .admin import SITES

urlpatterns = [
    *portal_urlpatterns,
    *(path(f"peer/{name}/", site.urls) for name, site in SITES.items()),
]
