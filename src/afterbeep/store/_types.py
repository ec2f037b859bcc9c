"""Column types of the store: UTC-aware timestamps and string enums with CHECK constraints.

Owns the rule that time in the database is never naive (STYLE.md item 9): ``UTCDateTime``
refuses naive datetimes, stores UTC and always hands back aware UTC datetimes, on PostgreSQL
(``timestamptz``) and on SQLite (which has no time zones: UTC is stored without an offset).
Must not import the models or anything above the store.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from afterbeep.errors import InvalidInput


def ensure_utc(value: object, *, field: str | None = None) -> datetime:
    """``value`` as an aware UTC datetime; a naive datetime or a non-datetime is ``InvalidInput``."""
    if not isinstance(value, datetime):
        raise InvalidInput(
            f"expected a timezone-aware datetime, got {type(value).__name__}", field=field
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"naive datetime {value.isoformat()} refused: the store keeps UTC only; "
            "attach a time zone (e.g. datetime.now(UTC))",
            field=field,
        )
    return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime (the default of every timestamp column)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is UTC on the way in and aware UTC on the way out.

    PostgreSQL stores it as ``timestamp with time zone``; SQLite as text in UTC without an
    offset, which is why results without tzinfo are read back as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = ensure_utc(value)
        if dialect.name == "sqlite":
            # SQLite's DATETIME storage drops the offset silently: store the UTC wall time.
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"the database returned {value!r} for a timestamp column")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


ENUM_LENGTH = 32


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the values.

    Values (not member names) are stored, so the database reads the same words as the API.
    Every enum column is VARCHAR(32), so adding a value changes only the CHECK constraint.
    """
    too_long = [member.value for member in enum_class if len(member.value) > ENUM_LENGTH]
    if too_long:
        raise ValueError(f"{enum_class.__name__} values longer than {ENUM_LENGTH}: {too_long}")
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
    )
