"""Schedule expressions without a server: parsing, next fire times, and a hypothesis property comparing
`Cron.next_after` with a brute-force minute-by-minute matcher written independently below."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudlet.services.events.cron import Cron, Rate, ScheduleError, parse


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def fires(expression: str, start: str, n: int = 3) -> list[str | None]:
    schedule = parse(expression)
    assert isinstance(schedule, Cron)
    out: list[str | None] = []
    t: float | None = at(start)
    for _ in range(n):
        t = schedule.next_after(t) if t is not None else None
        out.append(iso(t))
    return out


# --- parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 0 ? * L *)",
        "cron(0 0 L-3 * ? *)",
        "cron(*/59 */23 1/31 JAN-DEC ? 1970-2199)",
        "cron(0 12 ? jan,jul sun 2030)",
    ],
)
def test_valid_expressions_parse(text: str) -> None:
    parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(2 hour)",
        "rate(1 days)",
        "rate(5 seconds)",
        "rate(-5 minutes)",
        "rate(5minutes)",
        "rate(five minutes)",
        "every 5 minutes",
        "cron(0 10 * * *)",  # five fields
        "cron(0 10 * * ? * *)",  # seven fields
        "cron(0 12 * * * *)",  # neither day field is '?'
        "cron(0 12 ? * ? *)",  # both are
        "cron(60 * * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 0 * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 * 13 ? *)",
        "cron(0 0 ? * 0 *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 * * ? 1969)",
        "cron(0 0 * * ? 2200)",
        "cron(*/60 * * * ? *)",  # an increment beyond the field
        "cron(0/0 * * * ? *)",
        "cron(15 12 ? * -1 *)",
        "cron(0 0 ? * 3#1,6#3 *)",  # '#' takes one expression only
        "cron(0 0 ? * 3#6 *)",
        "cron(0 0 1,2W * ? *)",
        "cron(0 0 ? FOO * *)",
        "cron(0,,5 * * * ? *)",
        "cron(0 0 W * ? *)",
    ],
)
def test_invalid_expressions_are_rejected(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse(text)


# --- next fire times ----------------------------------------------------------------------------------


def test_rate_counts_periods_from_its_anchor() -> None:
    rate = parse("rate(5 minutes)")
    assert isinstance(rate, Rate)
    assert rate.next_after(1000.0, anchor=1000.0) == 1300.0
    assert rate.next_after(1299.9, anchor=1000.0) == 1300.0
    assert rate.next_after(1300.0, anchor=1000.0) == 1600.0
    assert rate.next_after(4000.5, anchor=1000.0) == 4300.0


def test_cron_fires_strictly_after_the_instant() -> None:
    assert fires("cron(0 10 * * ? *)", "2024-02-10 10:00", 2) == ["2024-02-11 10:00", "2024-02-12 10:00"]


def test_cron_last_day_of_month_follows_leap_years() -> None:
    assert fires("cron(0 0 L * ? *)", "2024-01-31 00:00") == [
        "2024-02-29 00:00",
        "2024-03-31 00:00",
        "2024-04-30 00:00",
    ]


def test_cron_last_day_minus_offset() -> None:
    assert fires("cron(0 0 L-2 2 ? *)", "2023-01-01 00:00", 2) == ["2023-02-26 00:00", "2024-02-27 00:00"]


def test_cron_nearest_weekday_stays_inside_the_month() -> None:
    # 2022-10-01 is a Saturday: 1W is Monday the 3rd, not Friday 30 September.
    # 2023-04-30 is a Sunday ending the month: 30W is Friday the 28th.
    assert fires("cron(0 0 1W 10 ? 2022)", "2022-01-01 00:00", 1) == ["2022-10-03 00:00"]
    assert fires("cron(0 0 30W 4 ? 2023)", "2023-01-01 00:00", 1) == ["2023-04-28 00:00"]
    assert fires("cron(0 0 15W 6 ? 2024)", "2024-01-01 00:00", 1) == ["2024-06-14 00:00"]  # a Saturday


def test_cron_last_weekday_of_month() -> None:
    # 2024-03-31 is a Sunday, 2024-08-31 a Saturday.
    assert fires("cron(0 0 LW 3,8 ? 2024)", "2024-01-01 00:00", 2) == ["2024-03-29 00:00", "2024-08-30 00:00"]


def test_cron_nth_weekday_of_month() -> None:
    # the second Tuesday; a fifth Friday exists only in some months
    assert fires("cron(30 9 ? * 3#2 *)", "2024-02-01 00:00", 2) == ["2024-02-13 09:30", "2024-03-12 09:30"]
    assert fires("cron(0 0 ? * FRI#5 *)", "2024-01-01 00:00", 2) == ["2024-03-29 00:00", "2024-05-31 00:00"]


def test_cron_last_given_weekday_of_month() -> None:
    assert fires("cron(0 0 ? * 6L *)", "2024-02-01 00:00", 2) == ["2024-02-23 00:00", "2024-03-29 00:00"]


def test_cron_weekday_ranges_wrap_around_the_week() -> None:
    # 2024-02-10 is a Saturday
    assert fires("cron(0 0 ? * FRI-MON *)", "2024-02-10 00:00", 3) == [
        "2024-02-11 00:00",
        "2024-02-12 00:00",
        "2024-02-16 00:00",
    ]


def test_cron_increments_start_at_their_base() -> None:
    assert fires("cron(1/10 * * * ? *)", "2024-01-01 00:40", 3) == [
        "2024-01-01 00:41",
        "2024-01-01 00:51",
        "2024-01-01 01:01",
    ]


def test_cron_with_only_past_years_never_fires() -> None:
    assert fires("cron(0 0 * * ? 2020)", "2021-01-01 00:00", 1) == [None]


def test_cron_feb_30_never_fires() -> None:
    assert fires("cron(0 0 30 2 ? *)", "2024-01-01 00:00", 1) == [None]


# --- the property: next_after agrees with a brute-force matcher -----------------------------------------


@dataclass(frozen=True)
class Term:
    """One comma-separated term: `*`, `n`, `a-b`, with an optional `/step` (`a/step` runs to the end)."""

    kind: str  # "all" | "one" | "range"
    a: int = 0
    b: int = 0
    step: int | None = None

    def render(self, names: tuple[str, ...] | None, lo: int) -> str:
        def name(v: int) -> str:
            return names[v - lo] if names and v % 2 else str(v)  # mix names and numbers

        base = {"all": "*", "one": name(self.a), "range": f"{name(self.a)}-{name(self.b)}"}[self.kind]
        return base if self.step is None else f"{base}/{self.step}"

    def matches(self, v: int, lo: int, hi: int) -> bool:
        size = hi - lo + 1
        if self.kind == "all":
            start, end = lo, hi
        elif self.kind == "range":
            start, end = self.a, self.b
        else:
            start, end = self.a, (hi if self.step is not None else self.a)
        offset = (v - start) % size
        return offset <= (end - start) % size and offset % (self.step or 1) == 0


MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def terms(lo: int, hi: int) -> st.SearchStrategy[list[Term]]:
    value = st.integers(lo, hi)
    step = st.none() | st.integers(1, hi)
    term = st.one_of(
        st.builds(Term, st.just("all"), step=step),
        st.builds(Term, st.just("one"), value, step=step),
        st.builds(Term, st.just("range"), value, value, step=step),
    )
    return st.lists(term, min_size=1, max_size=3)


def weekday(d: datetime) -> int:
    return d.isoweekday() % 7 + 1  # SUN = 1 … SAT = 7


@dataclass(frozen=True)
class Expr:
    minutes: list[Term]
    hours: list[Term]
    dom: list[Term] | str | None  # None: '?'; str: L, L-n, LW, nW
    months: list[Term]
    dow: list[Term] | str | None  # None: '?'; str: L, nL, d#n
    years: list[Term]

    def text(self) -> str:
        def field(ts: list[Term], lo: int, names: tuple[str, ...] | None = None) -> str:
            return ",".join(t.render(names, lo) for t in ts)

        dom = "?" if self.dom is None else self.dom if isinstance(self.dom, str) else field(self.dom, 1)
        dow = (
            "?"
            if self.dow is None
            else self.dow
            if isinstance(self.dow, str)
            else field(self.dow, 1, DAY_NAMES)
        )
        return (
            f"cron({field(self.minutes, 0)} {field(self.hours, 0)} {dom} {field(self.months, 1, MONTH_NAMES)}"
            f" {dow} {field(self.years, 1970)})"
        )

    def day_matches(self, d: datetime) -> bool:
        length = calendar.monthrange(d.year, d.month)[1]
        if self.dom is not None:
            return _dom_matches(self.dom, d, length)
        assert self.dow is not None
        return _dow_matches(self.dow, d, length)

    def matches(self, d: datetime) -> bool:
        return (
            any(t.matches(d.year, 1970, 2199) for t in self.years)
            and any(t.matches(d.month, 1, 12) for t in self.months)
            and self.day_matches(d)
            and any(t.matches(d.hour, 0, 23) for t in self.hours)
            and any(t.matches(d.minute, 0, 59) for t in self.minutes)
        )


def _dom_matches(dom: list[Term] | str, d: datetime, length: int) -> bool:
    weekdays = [day for day in range(1, length + 1) if weekday(d.replace(day=day)) not in (1, 7)]
    if dom == "L":
        return d.day == length
    if isinstance(dom, str) and dom.startswith("L-"):
        return d.day == length - int(dom[2:])
    if dom == "LW":
        return d.day == max(weekdays)
    if isinstance(dom, str):  # nW: the weekday of the month closest to n
        n = int(dom[:-1])
        return n <= length and d.day == min(weekdays, key=lambda day: abs(day - n))
    return any(t.matches(d.day, 1, 31) for t in dom)


def _dow_matches(dow: list[Term] | str, d: datetime, length: int) -> bool:
    if dow == "L":
        return weekday(d) == 7
    if isinstance(dow, str) and "#" in dow:
        day, n = dow.split("#")
        return weekday(d) == int(day) and (d.day + 6) // 7 == int(n)
    if isinstance(dow, str):  # nL
        return weekday(d) == int(dow[:-1]) and d.day + 7 > length
    return any(t.matches(weekday(d), 1, 7) for t in dow)


special_dom = st.one_of(
    st.just("L"),
    st.integers(0, 30).map(lambda n: f"L-{n}"),
    st.just("LW"),
    st.integers(1, 31).map(lambda n: f"{n}W"),
)
special_dow = st.one_of(
    st.just("L"),
    st.integers(1, 7).map(lambda n: f"{n}L"),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda p: f"{p[0]}#{p[1]}"),
)
year_terms = st.lists(
    st.one_of(
        st.builds(Term, st.just("all"), step=st.none() | st.integers(1, 3)),
        st.builds(Term, st.just("one"), st.integers(2023, 2030)),
        st.builds(Term, st.just("range"), st.integers(2023, 2027), st.integers(2026, 2032)),
    ),
    min_size=1,
    max_size=2,
)


@st.composite
def expressions(draw: st.DrawFn) -> Expr:
    on_dom = draw(st.booleans())
    dom = draw(special_dom | terms(1, 31)) if on_dom else None
    dow = None if on_dom else draw(special_dow | terms(1, 7))
    return Expr(draw(terms(0, 59)), draw(terms(0, 23)), dom, draw(terms(1, 12)), dow, draw(year_terms))


HORIZON_DAYS = 5 * 366


def brute_force_next(expr: Expr, t: float) -> float | None:
    """Walk minute by minute from the minute after `t` (skipping a whole day or hour as soon as a field
    that is constant over it fails) up to HORIZON_DAYS; None if nothing matches in that window."""
    d = datetime.fromtimestamp(t // 60 * 60, UTC) + timedelta(minutes=1)
    end = d + timedelta(days=HORIZON_DAYS)
    while d < end:
        day_ok = (
            any(x.matches(d.year, 1970, 2199) for x in expr.years)
            and any(x.matches(d.month, 1, 12) for x in expr.months)
            and expr.day_matches(d)
        )
        if not day_ok:
            d = (d + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if not any(x.matches(d.hour, 0, 23) for x in expr.hours):
            d = (d + timedelta(hours=1)).replace(minute=0)
            continue
        if expr.matches(d):
            return d.timestamp()
        d += timedelta(minutes=1)
    return None


@settings(max_examples=150)
@given(expressions(), st.floats(at("2024-01-01 00:00"), at("2026-12-31 23:59")))
def test_next_after_agrees_with_brute_force(expr: Expr, t: float) -> None:
    schedule = parse(expr.text())
    assert isinstance(schedule, Cron)
    got = schedule.next_after(t)
    expected = brute_force_next(expr, t)
    if expected is None:
        assert got is None or got >= t + HORIZON_DAYS * 86400, expr.text()
    else:
        assert got == expected, (expr.text(), iso(t), iso(got), iso(expected))


@given(
    st.integers(1, 500),
    st.sampled_from(["minute", "hour", "day"]),
    st.floats(0, 1e9),
    st.floats(0, 1e9),
)
def test_rate_next_is_the_first_period_boundary_after(value: int, unit: str, anchor: float, t: float) -> None:
    text = f"rate({value} {unit}{'s' if value > 1 else ''})"
    rate = parse(text)
    assert isinstance(rate, Rate)
    got = rate.next_after(t, anchor)
    assert got > t
    assert got - rate.period_s <= max(t, anchor)
    k = (got - anchor) / rate.period_s
    assert abs(k - round(k)) < 1e-6 and round(k) >= 1
