"""MD5 digests SQS returns and SDKs verify (pure functions; vectors pinned from AWS answers)."""

from __future__ import annotations

import hashlib
import struct

from hypothesis import given
from hypothesis import strategies as st

from cloudlet.services.sqs.checksums import md5_of_attributes, md5_of_body


def number(value: str) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": value}


def test_body_digest_is_md5_of_utf8():
    assert md5_of_body("derp") == "58fd9edd83341c29f1aebba81c31e257"
    assert md5_of_body("é") == hashlib.md5("é".encode()).hexdigest()


def test_attribute_digests_match_what_aws_returns():
    # Digests AWS returned for these attributes, as pinned by moto's and LocalStack's SQS suites.
    assert md5_of_attributes({"timestamp": number("1493147359900")}) == "235c5c510d26fb653d073faed50ae77c"
    assert md5_of_attributes({"timestamp": number("1493147359901")}) == "994258b45346a2cc3f9cbb611aa7af30"
    assert (
        md5_of_attributes({"SOME_Valid.attribute-Name": number("1493147359900")})
        == "36655e7e9d7c0e8479fa3f3f42247ae7"
    )


def test_binary_values_use_transport_type_two():
    expected = hashlib.md5(
        struct.pack(">I", 3)
        + b"bin"
        + struct.pack(">I", 6)
        + b"Binary"
        + b"\x02"
        + struct.pack(">I", 2)
        + b"hi"
    ).hexdigest()
    assert md5_of_attributes({"bin": {"DataType": "Binary", "BinaryValue": b"hi"}}) == expected


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.-0123456789", min_size=1, max_size=12)
values = st.fixed_dictionaries(
    {"DataType": st.just("String"), "StringValue": st.text(min_size=1, max_size=20)}
)


@given(st.dictionaries(names, values, min_size=1, max_size=10))
def test_digest_ignores_the_order_attributes_come_in(attributes):
    reordered = dict(reversed(list(attributes.items())))
    assert md5_of_attributes(reordered) == md5_of_attributes(attributes)


@given(st.dictionaries(names, values, min_size=1, max_size=5), st.text(min_size=1, max_size=5))
def test_digest_changes_when_a_value_changes(attributes, suffix):
    name = next(iter(attributes))
    changed = {
        **attributes,
        name: {"DataType": "String", "StringValue": attributes[name]["StringValue"] + suffix},
    }
    assert md5_of_attributes(changed) != md5_of_attributes(attributes)
