"""Ukrainian dates the one way the site writes them: "4 грудня 2026, 14:05".

Django's own Ukrainian formats write "04 грудня 2026 р. 14:05" and, in the admin's date
filter, "04 Грудень" (the month's name as on a calendar, not a date). What is not set
here is Django's.
"""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "F Y"
