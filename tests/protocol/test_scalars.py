"""Timestamps in every AWS form, blobs, booleans."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudlet.protocol import scalars

UTC = dt.UTC
moments = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


@given(moments)
def test_iso8601_round_trip_keeps_milliseconds(moment):
    assert scalars.parse_timestamp(scalars.format_timestamp(moment, "iso8601")) == moment


@given(moments)
def test_epoch_round_trip_keeps_milliseconds(moment):
    rendered = scalars.format_timestamp(moment, "unixTimestamp")
    assert abs(scalars.parse_timestamp(rendered) - moment) < dt.timedelta(microseconds=1)


@given(moments.map(lambda d: d.replace(microsecond=0)))
def test_rfc822_round_trip_to_the_second(moment):
    rendered = scalars.format_timestamp(moment, "rfc822")
    assert isinstance(rendered, str) and rendered.endswith("GMT")
    assert scalars.parse_timestamp(rendered) == moment


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01T12:30:45Z",
        "2024-03-01T12:30:45.000Z",
        "2024-03-01T12:30:45.000000Z",
        "2024-03-01T14:30:45+02:00",
        "2024-03-01T12:30:45",
        "Fri, 01 Mar 2024 12:30:45 GMT",
        "1709296245",
        "1709296245.0",
        1709296245,
        1709296245.0,
    ],
)
def test_every_aws_form_is_accepted(text):
    assert scalars.parse_timestamp(text) == dt.datetime(2024, 3, 1, 12, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "yesterday", "2024-13-45T00:00:00Z", "nan", "inf", True, None, [1]])
def test_malformed_timestamps_raise_value_error(bad):
    with pytest.raises(ValueError):
        scalars.parse_timestamp(bad)


def test_epoch_values_from_service_code_render_in_each_format():
    assert scalars.format_timestamp(0, "iso8601") == "1970-01-01T00:00:00Z"
    assert scalars.format_timestamp(1.5, "iso8601") == "1970-01-01T00:00:01.500Z"
    assert scalars.format_timestamp(1.5, "unixTimestamp") == 1.5
    assert scalars.format_timestamp(2, "unixTimestamp") == 2
    assert scalars.format_timestamp(0, "rfc822") == "Thu, 01 Jan 1970 00:00:00 GMT"


@given(st.binary())
def test_base64_round_trip(data):
    assert scalars.b64decode(scalars.b64encode(data)) == data


def test_invalid_base64_raises_value_error():
    with pytest.raises(ValueError):
        scalars.b64decode("not base64!")


def test_booleans():
    assert scalars.parse_bool("true") is True
    assert scalars.parse_bool("False") is False
    with pytest.raises(ValueError):
        scalars.parse_bool("yes")
