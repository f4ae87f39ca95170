"""Checks of every value that reaches the review: from the page's requests and from a saved review.

A bad value raises `BadValue` naming the field and what was expected, before
anything changes; the web app answers it with 400 and ``veil apply`` with an
``error:`` line. Nothing a request sends can make the review unreadable.
"""

from __future__ import annotations

import math
from typing import Any

ACTIONS = ("hide", "keep")
MAX_TEXT = 200
"""The longest id or name a request may send (ids are short; a filter name is a word)."""


class BadValue(ValueError):
    """A value that is not what its field holds (the message says which field, and what)."""


def body_fields(body: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A request's JSON body: an object with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(body, dict):
        raise BadValue(f"the body must be a JSON object, not {type(body).__name__}")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise BadValue(f"unknown field {text(unknown[0], 'field')!r}; fields: {', '.join(allowed)}")
    missing = [key for key in required if key not in body]
    if missing:
        raise BadValue(f"missing field {missing[0]!r}")
    return body


def text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadValue(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise BadValue(f"{name} is longer than {MAX_TEXT} characters")
    return value


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"{name} must be true or false")
    return value


def integer(value: Any, name: str, low: int, high: int) -> int:
    """A whole number in ``low..high`` (JSON's ``3.0`` counts; ``true`` does not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue(f"{name} must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise BadValue(f"{name} must be a whole number, not {value}")
    if not low <= value <= high:
        raise BadValue(f"{name} {int(value)} is outside {low}..{high}")
    return int(value)


def number(value: Any, name: str, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadValue(f"{name} must be a finite number")
    if not low <= value <= high:
        raise BadValue(f"{name} {value} is outside {low}..{high}")
    return float(value)


def frame(value: Any, frames: int) -> int:
    return integer(value, "frame", 0, frames - 1)


def action(value: Any) -> str:
    if value not in ACTIONS:
        raise BadValue(f"action is one of {', '.join(ACTIONS)}")
    return str(value)


def filter_name(value: Any, known: tuple[str, ...]) -> str | None:
    """A filter a reviewer picked for a face; ``""`` or None: the run's own."""
    if value is None or value == "":
        return None
    if value not in known:
        raise BadValue(f"unknown filter {text(value, 'filter')!r}; choose from {', '.join(known)}")
    return str(value)


def box(value: Any, width: int, height: int) -> list[float]:
    """A box x1, y1, x2, y2 of finite numbers with x1 < x2 and y1 < y2, clipped to the picture."""
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise BadValue(f"a box is four numbers x1, y1, x2, y2; got {str(value)[:80]}")
    x1, y1, x2, y2 = (number(v, "a box's coordinate") for v in value)
    if not (x1 < x2 and y1 < y2):
        raise BadValue("a box needs x1 < x2 and y1 < y2")
    x1, x2 = min(max(x1, 0.0), width), min(max(x2, 0.0), width)
    y1, y2 = min(max(y1, 0.0), height), min(max(y2, 0.0), height)
    if x2 - x1 < 2 or y2 - y1 < 2:
        raise BadValue("a box must be at least 2 pixels wide and high inside the picture")
    return [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]


def frame_range(first: Any, last: Any, frames: int) -> tuple[int, int]:
    """Frames ``first``..``last`` (both included, in order; either may be None for the track's end)."""
    low = 0 if first is None else frame(first, frames)
    high = frames - 1 if last is None else frame(last, frames)
    if low > high:
        raise BadValue(f"first ({low}) is after last ({high})")
    return low, high
