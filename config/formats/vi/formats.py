"""Vietnamese formats, Django's own plus what its locale leaves out: dates are read and shown
as 21/04/2023 (the admin's date fields showed 2023-04-21), lists show 21/04/2023 too."""

from django.conf.locale.vi.formats import *  # noqa: F401,F403

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
# Pages show a moment day first, as they show a day (|date:"SHORT_DATETIME_FORMAT").
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
