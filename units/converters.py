"""URL converters: a path segment that cannot be a unit code never reaches a view."""

from .models import UNIT_CODE_PATTERN


class UnitCodeConverter:
    """A unit's code in a URL (/don-vi/DX-MLA/). Anything else, a NUL byte or a slash-free
    string of symbols, is a 404 from the URL resolver, not a query PostgreSQL refuses."""

    regex = UNIT_CODE_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
