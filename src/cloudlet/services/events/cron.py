"""EventBridge schedule expressions: `rate(value unit)` and the six-field `cron(...)`, parsed into values
that compute their next fire time after an instant (UTC, minute resolution). Pure: no I/O, no clock.

Syntax as documented in "Setting a schedule pattern for scheduled rules" (eb-scheduled-rule-pattern):
Minutes 0-59, Hours 0-23, Day-of-month 1-31 (`? L W`), Month 1-12 or JAN-DEC, Day-of-week 1-7 or
SUN-SAT (`? L #`), Year 1970-2199; `, - * /` everywhere; one of the two day fields must be `?`.
"""

from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Cron", "Rate", "Schedule", "ScheduleError", "parse"]

MIN_YEAR = 1970
MAX_YEAR = 2199
_MINUTE_S = 60
_UNITS_S = {"minute": 60, "hour": 3600, "day": 86400}
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"rate\(([0-9]+) (minutes?|hours?|days?)\)\Z")
_CRON = re.compile(r"cron\((.*)\)\Z", re.DOTALL)


class ScheduleError(ValueError):
    """The text is not a valid schedule expression."""


@dataclass(frozen=True, slots=True)
class Rate:
    """`rate(value unit)`: every `period_s`, counted from an anchor (the rule's start)."""

    value: int
    unit: str
    period_s: int

    def next_after(self, t: float, anchor: float) -> float:
        """The first `anchor + k * period_s` (k >= 1) strictly after `t`."""
        if t < anchor:
            return anchor + self.period_s
        k = int((t - anchor) // self.period_s) + 1
        return anchor + k * self.period_s


@dataclass(frozen=True, slots=True)
class _Field:
    """The values a field selects, ascending."""

    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _DayOfMonth:
    any: bool = False  # `?`
    days: frozenset[int] = frozenset()
    last_offset: int | None = None  # `L` (0) or `L-n` (n)
    last_weekday: bool = False  # `LW`
    nearest_weekday: int | None = None  # `nW`

    def days_in(self, year: int, month: int) -> list[int]:
        length = calendar.monthrange(year, month)[1]
        if self.last_offset is not None:
            day = length - self.last_offset
            return [day] if day >= 1 else []
        if self.last_weekday:
            return [_nearest_weekday(year, month, length, length)]
        if self.nearest_weekday is not None:
            if self.nearest_weekday > length:
                return []
            return [_nearest_weekday(year, month, self.nearest_weekday, length)]
        return sorted(d for d in self.days if d <= length)


@dataclass(frozen=True, slots=True)
class _DayOfWeek:
    any: bool = False  # `?`
    days: frozenset[int] = frozenset()  # 1 = SUN … 7 = SAT
    last_of: int | None = None  # `nL`: the last such weekday of the month
    nth: tuple[int, int] | None = None  # `d#n`: the n-th such weekday of the month

    def days_in(self, year: int, month: int) -> list[int]:
        length = calendar.monthrange(year, month)[1]
        first = aws_weekday(datetime(year, month, 1, tzinfo=UTC))  # weekday of day 1
        if self.nth is not None:
            weekday, n = self.nth
            day = 1 + (weekday - first) % 7 + 7 * (n - 1)
            return [day] if day <= length else []
        if self.last_of is not None:
            last = aws_weekday(datetime(year, month, length, tzinfo=UTC))
            return [length - (last - self.last_of) % 7]
        return [d for d in range(1, length + 1) if (first - 1 + d - 1) % 7 + 1 in self.days]


@dataclass(frozen=True, slots=True)
class Cron:
    """`cron(Minutes Hours Day-of-month Month Day-of-week Year)`, UTC."""

    minutes: _Field
    hours: _Field
    day_of_month: _DayOfMonth
    months: _Field
    day_of_week: _DayOfWeek
    years: _Field

    def days_in(self, year: int, month: int) -> list[int]:
        """The days of `month` the day fields select, ascending."""
        if self.day_of_month.any:
            return self.day_of_week.days_in(year, month)
        return self.day_of_month.days_in(year, month)

    def next_after(self, t: float) -> float | None:
        """The first whole minute strictly after `t` that the expression selects, or None (never again)."""
        start = datetime.fromtimestamp((t // _MINUTE_S) * _MINUTE_S, UTC) + timedelta(minutes=1)
        if start.year > MAX_YEAR:
            return None
        years = self.years.values[bisect.bisect_left(self.years.values, start.year) :]
        for year in years:
            same_y = year == start.year
            for month in self.months.values:
                if same_y and month < start.month:
                    continue
                same_m = same_y and month == start.month
                for day in self.days_in(year, month):
                    if same_m and day < start.day:
                        continue
                    same_d = same_m and day == start.day
                    for hour in self.hours.values:
                        if same_d and hour < start.hour:
                            continue
                        same_h = same_d and hour == start.hour
                        for minute in self.minutes.values:
                            if same_h and minute < start.minute:
                                continue
                            return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()
        return None


Schedule = Rate | Cron


def aws_weekday(dt: datetime) -> int:
    """Day-of-week as cron numbers it: 1 = Sunday … 7 = Saturday."""
    return (dt.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int, length: int) -> int:
    """The weekday (Mon-Fri) nearest `day` without leaving the month."""
    weekday = aws_weekday(datetime(year, month, day, tzinfo=UTC))
    if weekday == 7:  # Saturday → Friday, or Monday when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday → Monday, or Friday when the Sunday ends the month
        return day + 1 if day < length else day - 2
    return day


# --- parsing ------------------------------------------------------------------------------------------


def parse(text: str) -> Schedule:
    """Parse a schedule expression.

    Raises:
        ScheduleError: the text is not a valid `rate(...)` or `cron(...)` expression.
    """
    if text.startswith("rate("):
        return _parse_rate(text)
    match = _CRON.match(text)
    if match is None:
        raise ScheduleError(text)
    return _parse_cron(match.group(1))


def _parse_rate(text: str) -> Rate:
    match = _RATE.match(text)
    if match is None:
        raise ScheduleError(text)
    value, unit = int(match.group(1)), match.group(2)
    # AWS: "If the value is equal to 1, then the unit must be singular ... for values greater than 1,
    # the unit must be plural" (eb-scheduled-rule-pattern).
    if value < 1 or (value == 1) != (not unit.endswith("s")):
        raise ScheduleError(text)
    return Rate(value, unit.rstrip("s"), value * _UNITS_S[unit.rstrip("s")])


def _parse_cron(body: str) -> Cron:
    parts = body.split()
    if len(parts) != 6:
        raise ScheduleError(body)
    minute, hour, dom, month, dow, year = (p.upper() for p in parts)
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of Day-of-month and Day-of-week must be '?'")
    return Cron(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        day_of_month=_day_of_month(dom),
        months=_field(month, 1, 12, _MONTHS),
        day_of_week=_day_of_week(dow),
        years=_field(year, MIN_YEAR, MAX_YEAR),
    )


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None = None) -> _Field:
    return _Field(tuple(sorted(_values(text, lo, hi, names))))


def _values(text: str, lo: int, hi: int, names: dict[str, int] | None = None) -> set[int]:
    """The set a list of `*`, `n`, `a-b`, `x/step` terms selects (ranges may wrap, as in `FRI-MON`)."""
    out: set[int] = set()
    size = hi - lo + 1
    for term in text.split(","):
        base, slash, step_text = term.partition("/")
        step = _number(step_text, 1, hi) if slash else 1  # `*/60` in Minutes is not valid
        if base == "*":
            first, last = lo, hi
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _value(a, lo, hi, names), _value(b, lo, hi, names)
        else:
            first = _value(base, lo, hi, names)
            last = hi if slash else first
        span = (last - first) % size
        out.update(lo + (first - lo + i) % size for i in range(0, span + 1, step))
    return out


def _value(text: str, lo: int, hi: int, names: dict[str, int] | None) -> int:
    if names is not None and text in names:
        return names[text]
    return _number(text, lo, hi)


def _number(text: str, lo: int, hi: int) -> int:
    if not text.isdigit() or not text.isascii():
        raise ScheduleError(text)
    value = int(text)
    if not lo <= value <= hi:
        raise ScheduleError(text)
    return value


def _day_of_month(text: str) -> _DayOfMonth:
    if text == "?":
        return _DayOfMonth(any=True)
    if text == "L":
        return _DayOfMonth(last_offset=0)
    if text.startswith("L-"):
        return _DayOfMonth(last_offset=_number(text[2:], 0, 30))
    if text == "LW":
        return _DayOfMonth(last_weekday=True)
    if text.endswith("W"):
        return _DayOfMonth(nearest_weekday=_number(text[:-1], 1, 31))
    return _DayOfMonth(days=frozenset(_values(text, 1, 31)))


def _day_of_week(text: str) -> _DayOfWeek:
    if text == "?":
        return _DayOfWeek(any=True)
    if text == "L":  # the last day of the week: Saturday
        return _DayOfWeek(days=frozenset({7}))
    if "#" in text:  # one expression only: "3#1,6#3" is not valid (eb-scheduled-rule-pattern)
        day, _, n = text.partition("#")
        return _DayOfWeek(nth=(_value(day, 1, 7, _DAYS), _number(n, 1, 5)))
    if text.endswith("L"):
        return _DayOfWeek(last_of=_value(text[:-1], 1, 7, _DAYS))
    return _DayOfWeek(days=frozenset(_values(text, 1, 7, _DAYS)))
