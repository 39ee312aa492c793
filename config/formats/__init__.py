"""Vietnamese number, percentage and date formats: 1.234; 72,0%; 21/04/2023; 12,50.

The one formatter of the Python code: the dates follow the vi formats beside it
(vi/formats.py, which Django's |date:"SHORT_DATE_FORMAT", the forms and the admin read).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from .vi import formats as vi

# The vi formats' day (d/m/Y) as a strftime pattern, worked out once: a long list formats
# a day per row.
DAY = "".join(f"%{c}" if c.isalpha() else c for c in vi.SHORT_DATE_FORMAT)
MOMENT = "".join(
    f"%{'M' if c == 'i' else c}" if c.isalpha() else c for c in vi.SHORT_DATETIME_FORMAT
)


def whole(value):
    """1234 -> "1.234"; None -> ""."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".")


def decimal(value, places=2):
    """12.5 -> "12,50"; 1234.5 -> "1.234,50"."""
    if value is None or value == "":
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{number:,.{places}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def percent(value, places=1):
    """72 -> "72,0%"."""
    if value is None or value == "":
        return ""
    return decimal(value, places) + "%"


def share(part, whole_count, places=1):
    """`part` of `whole_count` as a percentage (0 of nothing), rounded half up."""
    if not whole_count:
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    return (Decimal(part * 100) / Decimal(whole_count)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def day(value):
    """A date as 21/04/2023; a moment as its day."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.strftime(DAY)


def moment(value):
    """A moment as 21/04/2023 14:05."""
    if not value:
        return ""
    return value.strftime(MOMENT)
