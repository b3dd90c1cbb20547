"""The items API (API Gateway REST, Lambda proxy integration):

POST /items          create an item from a JSON object (an `id` is generated when absent) → 201
GET /items           list the items (up to 100) → 200
GET /items/{id}      one item → 200, or 404
DELETE /items/{id}   delete it → 204, or 404
"""

import json
import os
import uuid
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def respond(status, body=None):
    response = {"statusCode": status, "headers": {"Content-Type": "application/json"}}
    response["body"] = "" if body is None else json.dumps(body, default=plain)
    return response


def create(event):
    try:
        item = json.loads(event.get("body") or "", parse_float=Decimal)
    except ValueError:
        return respond(400, {"message": "the body must be a JSON object"})
    if not isinstance(item, dict):
        return respond(400, {"message": "the body must be a JSON object"})
    item.setdefault("id", str(uuid.uuid4()))
    if not isinstance(item["id"], str) or not item["id"]:
        return respond(400, {"message": "id must be a non-empty string"})
    table.put_item(Item=item)
    return respond(201, item)


def handler(event, context):
    method, resource = event["httpMethod"], event["resource"]
    item_id = (event.get("pathParameters") or {}).get("id")
    if resource == "/items" and method == "POST":
        return create(event)
    if resource == "/items" and method == "GET":
        items = table.scan(Limit=100).get("Items", [])
        return respond(200, {"items": sorted(items, key=lambda i: i["id"])})
    if resource == "/items/{id}" and method == "GET":
        item = table.get_item(Key={"id": item_id}).get("Item")
        return respond(200, item) if item else respond(404, {"message": f"no item {item_id}"})
    if resource == "/items/{id}" and method == "DELETE":
        gone = table.delete_item(Key={"id": item_id}, ReturnValues="ALL_OLD").get("Attributes")
        return respond(204) if gone else respond(404, {"message": f"no item {item_id}"})
    return respond(405, {"message": f"{method} {resource} is not supported"})
