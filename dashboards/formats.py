"""Vietnamese number, percentage and date formats: 1.234; 72,0%; 21/04/2023; 12,50."""

import datetime
from decimal import ROUND_HALF_UP, Decimal


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
    """A date as 21/04/2023."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return f"{value:%d/%m/%Y}"
