"""DynamoDB's PartiQL: `parse(text, parameters)` turns one statement into a `statements` object;
`translate` turns it into the request of the item operation (Query, Scan, PutItem, UpdateItem,
DeleteItem, GetItem, TransactWriteItems/TransactGetItems entries) that carries it out."""

from cloudlet.services.dynamodb.partiql.parser import parse
from cloudlet.services.dynamodb.partiql.statements import Delete, Exists, Insert, Select, Statement, Update

__all__ = ["Delete", "Exists", "Insert", "Select", "Statement", "Update", "parse"]
