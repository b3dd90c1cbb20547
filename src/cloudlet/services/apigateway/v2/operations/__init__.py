"""API Gateway v2 (HTTP APIs) operations: one function per operation, `(ctx, request) -> response`,
grouped by resource in the modules below; each module lists its operation functions in `__all__`."""

from cloudlet.services.apigateway.v2.operations.apis import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.authorizers import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.imports import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.integrations import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.models import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.routes import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.stages import *  # noqa: F403
from cloudlet.services.apigateway.v2.operations.tags import *  # noqa: F403
