"""The example at the top of docs/dynamodb.md, as written there."""


def test_orders_by_customer(cloudlet):
    ddb = cloudlet.client("dynamodb")
    ddb.create_table(
        TableName="orders",
        KeySchema=[
            {"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "at", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for at in (3, 1, 2):
        ddb.put_item(TableName="orders", Item={"customer": {"S": "c-1"}, "at": {"N": str(at)}})
    page = ddb.query(
        TableName="orders",
        KeyConditionExpression="customer = :c AND #at >= :from",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":c": {"S": "c-1"}, ":from": {"N": "2"}},
    )
    assert [item["at"]["N"] for item in page["Items"]] == ["2", "3"]
