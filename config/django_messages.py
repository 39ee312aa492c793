"""Django's own messages that the site's users can read, translated in the project's catalog.

Django's Vietnamese catalog lacks some of them ("Null characters are not allowed.", shown for
a NUL byte in a list's choice) and words others badly ("Nhập một số tổng thể." for "Enter a
whole number."). The project's catalog comes first (LOCALE_PATHS), so the translations given
for these same message ids are the ones shown. Listed here so that makemessages keeps them.
"""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Enter a valid date."),
    gettext_noop("The submitted file is empty."),
]
