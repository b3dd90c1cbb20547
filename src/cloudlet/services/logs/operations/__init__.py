"""CloudWatch Logs operations: one function per operation, `(ctx, request) -> response`, by resource."""

from cloudlet.services.logs.operations.events import filter_log_events, get_log_events, put_log_events
from cloudlet.services.logs.operations.groups import (
    create_log_group,
    delete_log_group,
    delete_retention_policy,
    describe_log_groups,
    put_retention_policy,
)
from cloudlet.services.logs.operations.streams import (
    create_log_stream,
    delete_log_stream,
    describe_log_streams,
)
from cloudlet.services.logs.operations.tags import (
    list_tags_for_resource,
    list_tags_log_group,
    tag_log_group,
    tag_resource,
    untag_log_group,
    untag_resource,
)

__all__ = [
    "create_log_group",
    "create_log_stream",
    "delete_log_group",
    "delete_log_stream",
    "delete_retention_policy",
    "describe_log_groups",
    "describe_log_streams",
    "filter_log_events",
    "get_log_events",
    "list_tags_for_resource",
    "list_tags_log_group",
    "put_log_events",
    "put_retention_policy",
    "tag_log_group",
    "tag_resource",
    "untag_log_group",
    "untag_resource",
]
