"""The checks the case file's services share: a value named in a message, free text, dates.

A refused value is named in the message, cut to about 40 characters with
control characters escaped, so that a one-line error never carries a whole
note or a line break.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..domain import UserError, iso_day

__all__ = ["shown", "text", "day", "now", "MAX_TEXT"]

MAX_TEXT = 2000


def shown(value: Any, limit: int = 40) -> str:
    """``value`` quoted for a message: control characters escaped, cut to ``limit`` characters."""
    t = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return repr(t if len(t) <= limit else t[:limit - 1] + "…")


def text(value: str | None, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    """Free text with its spaces tidied; None when blank. A UserError when required and blank, or too long."""
    t = " ".join((value or "").split())
    if required and not t:
        raise UserError(f"{what} is required")
    if len(t) > limit:
        raise UserError(f"{what} is longer than {limit} characters: {shown(t)}")
    return t or None


def day(value: _dt.date | str | None, what: str) -> str:
    """An ISO day; a UserError naming the field and the value when it is not one."""
    try:
        return iso_day(value)
    except UserError:
        raise UserError(f"{what}: not a date (YYYY-MM-DD): {shown(value)}") from None


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
