# One format for dates and times in every language, as the portal's pages show them (24-hour, ISO order):
# the admin's pages and any `|date` without a format use these, not the language's own ("March 15, 2027,
# 10 p.m.", "2027年3月15日"). Input formats stay Django's; the portal's forms name theirs.
DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
