"""API Gateway v1 (REST APIs) operations: one function per operation, `(ctx, request) -> response`,
grouped by resource in the modules below; each module lists its operation functions in `__all__`."""

from cloudlet.services.apigateway.v1.operations.authorizers import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.deployments import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.exports import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.keys import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.models import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.resources import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.restapis import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.tags import *  # noqa: F403
from cloudlet.services.apigateway.v1.operations.usage_plans import *  # noqa: F403
