"""What the forms and validators say about what was typed, pasted or chosen."""

from django.utils.translation import gettext_lazy as _

# --- validation ------------------------------------------------------------------------------------
TITLE_REQUIRED = _("Enter a title.")
TITLE_BLANK = _("The title cannot be only spaces.")
TITLE_TOO_LONG = _("DingTalk allows at most %(limit)d characters in a title; this one has %(length)d.")
TITLE_COUNT = _("%(count)s of %(limit)s characters")
TITLE_CHARACTER_REFUSED = _("DingTalk allows at most %(limit)s characters in a title: that one was not added.")
TITLE_CONTROL_CHARACTERS = _("The title contains invisible control characters; remove them.")
TIME_REQUIRED = _("Enter a date and time.")
TIME_INVALID = _("Enter a date and time as YYYY-MM-DD HH:MM.")
TIMES_IN_ZONE = _("Times in %(time_zone)s, the organization's time zone.")
TOKEN_EXPIRY_HINT = _(
    "Only for a pasted token: when it expires, in %(time_zone)s (the organization's zone), as "
    "YYYY-MM-DD HH:MM. Leave empty if unknown."
)
TIME_INPUT_FORMAT = _("24-hour, as YYYY-MM-DD HH:MM.")
TIME_INPUT_HINT = _("24-hour, as YYYY-MM-DD HH:MM, in %(time_zone)s.")
TIME_INPUT_HINT_ORGANIZATION = _("24-hour, as YYYY-MM-DD HH:MM, in the organization's time zone.")
TIME_NONEXISTENT = _("%(value)s does not exist in %(time_zone)s: the clocks skip that hour. Choose another time.")
TIME_AMBIGUOUS = _("%(value)s happens twice in %(time_zone)s: the clocks go back that hour. Choose another time.")
TIME_OUT_OF_RANGE = _("Choose a date between the years 1970 and 9999.")
END_NOT_AFTER_START = _("The end must be after the start.")
CONFIRM_PAST_LABEL = _("Yes, move the meeting into the past")
CONFIRM_PAST_BOOKING_LABEL = _("Yes, book the meeting in the past")
START_IN_PAST = _(
    "This start is in the past: it is now %(now)s, %(time_zone)s. Check the date; if it is right all the "
    "same, tick “%(confirm)s” and save again."
)
CONFERENCE_ALREADY_REGISTERED = _("This meeting is already in the portal.")
# Looking a meeting up to add it: DingTalk's refusal, on the field it is about.
LOOKUP_NO_SUCH_CONFERENCE = _(
    "DingTalk has no meeting with this conference ID (%(detail)s). Check it: it is the "
    "scheduleConferenceId DingTalk returned when the meeting was booked."
)
ORGANIZATION_NOT_ALLOWED = _("Choose one of your organizations.")
MEETING_CANCELED_READ_ONLY = _("This meeting was canceled in DingTalk and can no longer be edited.")
MEETING_CANCELED_NOTICE = _("This meeting was canceled in DingTalk. It can no longer be edited.")
RESCHEDULE_NOT_ALLOWED = _("You may change the title only; the start and end stay as they are.")
FORM_OUT_OF_DATE = _("This form is out of date. Reload the meeting and make your change again.")
CHOICE_NOT_IN_LIST = _("Choose one of the options in the list.")
DATE_INVALID = _("Enter a date as YYYY-MM-DD.")
DATE_OUT_OF_RANGE = _("Choose a date between the years 1970 and 9998.")
FILTER_DATES_REVERSED = _("The “to” date must not be before the “from” date.")
TIME_ZONE_INVALID = _("“%(value)s” is not an IANA time zone name, such as Asia/Shanghai or Europe/Berlin.")
API_BASE_INVALID = _(
    "Enter DingTalk's HTTPS base URL, https://api.dingtalk.com or https://api.dingtalk.io (or a host listed "
    "in DINGTALK_EXTRA_API_HOSTS), without a path, user name, query or fragment."
)

# --- hostile input (issue 15) ------------------------------------------------------------------------
TITLE_INVISIBLE_CHARACTERS = _(
    "The title contains invisible characters that change how text is shown (right-to-left overrides, "
    "zero-width characters); remove them."
)
TIME_FULLWIDTH_DIGITS = _("Type the date and time with the digits 0-9.")
TIME_BEFORE_1970_UTC = _("%(value)s in %(time_zone)s is before 1970 in UTC, which DingTalk cannot store.")
LINK_INVALID = _("Only an http or https link to a host can be kept.")
DIAL_IN_NUMBERS_INVALID = _(
    "Dial-in numbers are at most %(count)d lines of visible text, each at most %(length)d characters."
)
DINGTALK_ID_INVALID = _("Paste the ID exactly as DingTalk gives it: letters, digits and punctuation, no spaces.")
SEARCH_INVALID = _("The search cannot contain control characters.")
DINGTALK_VALUES_UNUSABLE = _(
    "DingTalk sent a title or times for this meeting that the portal cannot show in %(time_zone)s "
    "(for example a date outside the years 1970 to 9998, or an end before the start). Nothing was stored "
    "or sent; correct the meeting in DingTalk for %(organization)s and try again."
)
SECRET_UNDECRYPTABLE = _("Cannot be decrypted with the configured keys: paste a new one.")
