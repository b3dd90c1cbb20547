"""SNS operations: one function per operation, `(ctx, request) -> response`, grouped by resource.

Mobile push (platform applications and endpoints) is not implemented.
"""

from cloudlet.services.sns.operations.publish import publish, publish_batch
from cloudlet.services.sns.operations.sms import (
    check_if_phone_number_is_opted_out,
    create_sms_sandbox_phone_number,
    delete_sms_sandbox_phone_number,
    get_sms_attributes,
    get_sms_sandbox_account_status,
    list_origination_numbers,
    list_phone_numbers_opted_out,
    list_sms_sandbox_phone_numbers,
    opt_in_phone_number,
    set_sms_attributes,
    verify_sms_sandbox_phone_number,
)
from cloudlet.services.sns.operations.subscriptions import (
    confirm_subscription,
    get_subscription_attributes,
    list_subscriptions,
    list_subscriptions_by_topic,
    set_subscription_attributes,
    subscribe,
    unsubscribe,
)
from cloudlet.services.sns.operations.topics import (
    add_permission,
    create_topic,
    delete_topic,
    get_data_protection_policy,
    get_topic_attributes,
    list_tags_for_resource,
    list_topics,
    put_data_protection_policy,
    remove_permission,
    set_topic_attributes,
    tag_resource,
    untag_resource,
)

__all__ = [
    "add_permission",
    "check_if_phone_number_is_opted_out",
    "confirm_subscription",
    "create_sms_sandbox_phone_number",
    "create_topic",
    "delete_sms_sandbox_phone_number",
    "delete_topic",
    "get_data_protection_policy",
    "get_sms_attributes",
    "get_sms_sandbox_account_status",
    "get_subscription_attributes",
    "get_topic_attributes",
    "list_origination_numbers",
    "list_phone_numbers_opted_out",
    "list_sms_sandbox_phone_numbers",
    "list_subscriptions",
    "list_subscriptions_by_topic",
    "list_tags_for_resource",
    "list_topics",
    "opt_in_phone_number",
    "publish",
    "publish_batch",
    "put_data_protection_policy",
    "remove_permission",
    "set_sms_attributes",
    "set_subscription_attributes",
    "set_topic_attributes",
    "subscribe",
    "tag_resource",
    "unsubscribe",
    "untag_resource",
    "verify_sms_sandbox_phone_number",
]
