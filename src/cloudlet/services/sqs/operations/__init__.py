"""SQS operations: one function per operation, `(ctx, request) -> response`, grouped by resource."""

from cloudlet.services.sqs.operations.messages import (
    change_message_visibility,
    change_message_visibility_batch,
    delete_message,
    delete_message_batch,
    receive_message,
    send_message,
    send_message_batch,
)
from cloudlet.services.sqs.operations.queues import (
    add_permission,
    create_queue,
    delete_queue,
    get_queue_attributes,
    get_queue_url,
    list_dead_letter_source_queues,
    list_queue_tags,
    list_queues,
    purge_queue,
    remove_permission,
    set_queue_attributes,
    tag_queue,
    untag_queue,
)
from cloudlet.services.sqs.operations.tasks import (
    cancel_message_move_task,
    list_message_move_tasks,
    start_message_move_task,
)

__all__ = [
    "add_permission",
    "cancel_message_move_task",
    "change_message_visibility",
    "change_message_visibility_batch",
    "create_queue",
    "delete_message",
    "delete_message_batch",
    "delete_queue",
    "get_queue_attributes",
    "get_queue_url",
    "list_dead_letter_source_queues",
    "list_message_move_tasks",
    "list_queue_tags",
    "list_queues",
    "purge_queue",
    "receive_message",
    "remove_permission",
    "send_message",
    "send_message_batch",
    "set_queue_attributes",
    "start_message_move_task",
    "tag_queue",
    "untag_queue",
]
