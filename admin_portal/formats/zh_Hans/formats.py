# The same as en: one format for dates and times in every language (admin_portal/formats/en/formats.py).
from ..en.formats import *  # noqa: F403
