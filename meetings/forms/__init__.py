"""Forms: they own input validation (clean_<field>() and error_messages keyed by each error's code).

One module per screen family, mirroring meetings/views/; the public names are re-exported here, so
callers write `from meetings.forms import MeetingForm`.
"""

from .fields import (
    DATETIME_LOCAL_FORMAT,
    INPUT_FORMATS,
    LocalDateTimeField,
    TitleAndTimesMixin,
    organization_field,
    start_and_end_fields,
    title_field,
)
from .filters import ActivityFilterForm, BulkRenameForm, DayRangeMixin, MeetingSearchForm, day_field
from .meetings import MeetingForm
from .registration import MeetingAddForm, MeetingCreatorForm, MeetingImportForm, OrganizationForm
from .scheduling import UNION_ID, MeetingCreateForm, MeetingSettingsForm

__all__ = [
    "DATETIME_LOCAL_FORMAT",
    "INPUT_FORMATS",
    "UNION_ID",
    "ActivityFilterForm",
    "BulkRenameForm",
    "DayRangeMixin",
    "LocalDateTimeField",
    "MeetingAddForm",
    "MeetingCreateForm",
    "MeetingCreatorForm",
    "MeetingForm",
    "MeetingImportForm",
    "MeetingSearchForm",
    "MeetingSettingsForm",
    "OrganizationForm",
    "TitleAndTimesMixin",
    "day_field",
    "organization_field",
    "start_and_end_fields",
    "title_field",
]
