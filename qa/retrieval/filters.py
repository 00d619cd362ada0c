"""Validating the filters a caller sends (API body, CLI flags) into a Filters value."""

from __future__ import annotations

from qa.language.dates import canonical_iso
from qa.errors import BadInput
from qa.schema import Filters

FILTER_FIELDS = ("outlet", "since", "until")


def parse_filters(raw) -> Filters:
    """A Filters from a mapping with optional outlet/since/until; BadInput says what is wrong."""
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise BadInput("filters must be an object with outlet, since and until")
    unknown = sorted(set(raw) - set(FILTER_FIELDS))
    if unknown:
        raise BadInput(f"unknown filter(s): {', '.join(unknown)}; allowed: {', '.join(FILTER_FIELDS)}")
    values = {}
    for name in FILTER_FIELDS:
        value = raw.get(name) or ""
        if not isinstance(value, str):
            raise BadInput(f"filters.{name} must be a string")
        value = value.strip()
        if len(value) > 200:
            raise BadInput(f"filters.{name} is too long")
        if name != "outlet" and value:
            if not canonical_iso(value):
                raise BadInput(f"filters.{name} must be a date as YYYY-MM-DD, got {value!r}")
            value = canonical_iso(value)
        values[name] = value
    if values["since"] and values["until"] and values["since"] > values["until"]:
        raise BadInput("filters.since is after filters.until")
    return Filters(**values)
