"""CloudFormation operations: one function per operation, `(ctx, request) -> response`."""

from cloudlet.services.cloudformation.operations.changesets import *  # noqa: F403
from cloudlet.services.cloudformation.operations.stacks import *  # noqa: F403
from cloudlet.services.cloudformation.operations.templates import *  # noqa: F403
