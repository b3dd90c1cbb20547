"""SMS settings, opt-outs and the SMS sandbox, kept as data; SMS themselves land in the outbox.

cloudlet's accounts are out of the SMS sandbox (`IsInSandbox` is false), so publishing to any number
works; sandbox numbers can still be added and verified with the one-time password sent to the outbox.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from cloudlet.protocol.errors import CodedError
from cloudlet.services.sns import store
from cloudlet.services.sns.errors import ResourceNotFoundException, invalid
from cloudlet.services.sns.operations.common import page, state

if TYPE_CHECKING:
    from cloudlet.gateway.context import RequestContext

SMS_ATTRIBUTES = frozenset(
    {
        "MonthlySpendLimit",
        "DeliveryStatusIAMRole",
        "DeliveryStatusSuccessSamplingRate",
        "DefaultSenderID",
        "DefaultSMSType",
        "UsageReportS3Bucket",
    }
)


def set_sms_attributes(ctx: RequestContext, request: dict[str, Any]) -> None:
    values = dict(request.get("attributes") or {})
    for name in values:
        if name not in SMS_ATTRIBUTES:
            raise invalid(f"{name}")
    sns = state(ctx)
    with sns.db.transaction() as tx:
        current = store.sms_attributes(tx, ctx.account_id, ctx.region)
        store.set_sms_attributes(tx, ctx.account_id, ctx.region, current | values)


def get_sms_attributes(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    with sns.db.read() as conn:
        values = store.sms_attributes(conn, ctx.account_id, ctx.region)
    names = request.get("attributes")
    if names:
        values = {k: v for k, v in values.items() if k in set(names)}
    return {"attributes": values}


def check_if_phone_number_is_opted_out(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    with sns.db.read() as conn:
        row = store.get_phone_number(conn, ctx.account_id, ctx.region, "opted_out", request["phoneNumber"])
    return {"isOptedOut": row is not None}


def list_phone_numbers_opted_out(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    with sns.db.read() as conn:
        numbers = [
            r["phone_number"] for r in store.phone_numbers(conn, ctx.account_id, ctx.region, "opted_out")
        ]
    chunk, token = page(numbers, request.get("nextToken"))
    out: dict[str, Any] = {"phoneNumbers": chunk}
    if token:
        out["nextToken"] = token
    return out


def opt_in_phone_number(ctx: RequestContext, request: dict[str, Any]) -> None:
    sns = state(ctx)
    with sns.db.transaction() as tx:
        store.delete_phone_number(tx, ctx.account_id, ctx.region, "opted_out", request["phoneNumber"])


def get_sms_sandbox_account_status(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"IsInSandbox": False}


def create_sms_sandbox_phone_number(ctx: RequestContext, request: dict[str, Any]) -> None:
    sns = state(ctx)
    number = request["PhoneNumber"]
    otp = f"{secrets.randbelow(1_000_000):06d}"
    with sns.db.transaction() as tx:
        store.put_phone_number(tx, ctx.account_id, ctx.region, "sandbox", number, "Pending", otp)
        sns.app.outbox.record(
            tx,
            "sms",
            ctx.account_id,
            ctx.region,
            "SMSSandbox",
            number,
            None,
            f"Your Amazon SNS verification code is {otp}",
            {"OneTimePassword": otp},
        )


def verify_sms_sandbox_phone_number(ctx: RequestContext, request: dict[str, Any]) -> None:
    sns = state(ctx)
    number = request["PhoneNumber"]
    with sns.db.transaction() as tx:
        row = store.get_phone_number(tx, ctx.account_id, ctx.region, "sandbox", number)
        if row is None:
            raise ResourceNotFoundException("Phone number does not exist.")
        if row["otp"] != request["OneTimePassword"]:
            raise CodedError("VerificationException", "Invalid one-time password.", 400)
        store.put_phone_number(tx, ctx.account_id, ctx.region, "sandbox", number, "Verified", None)


def delete_sms_sandbox_phone_number(ctx: RequestContext, request: dict[str, Any]) -> None:
    sns = state(ctx)
    with sns.db.transaction() as tx:
        if not store.delete_phone_number(tx, ctx.account_id, ctx.region, "sandbox", request["PhoneNumber"]):
            raise ResourceNotFoundException("Phone number does not exist.")


def list_sms_sandbox_phone_numbers(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sns = state(ctx)
    with sns.db.read() as conn:
        rows = store.phone_numbers(conn, ctx.account_id, ctx.region, "sandbox")
    numbers = [{"PhoneNumber": r["phone_number"], "Status": r["status"]} for r in rows]
    chunk, token = page(numbers, request.get("NextToken"), size=request.get("MaxResults") or 100)
    out: dict[str, Any] = {"PhoneNumbers": chunk}
    if token:
        out["NextToken"] = token
    return out


def list_origination_numbers(ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"PhoneNumbers": []}
