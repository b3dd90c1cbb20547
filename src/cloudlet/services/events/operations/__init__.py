"""EventBridge operations: one function per operation, `(ctx, request) -> response`, grouped by
resource in the modules below; each module lists its operation functions in `__all__`."""

from cloudlet.services.events.operations.archives import *  # noqa: F403
from cloudlet.services.events.operations.buses import *  # noqa: F403
from cloudlet.services.events.operations.connections import *  # noqa: F403
from cloudlet.services.events.operations.put_events import *  # noqa: F403
from cloudlet.services.events.operations.rules import *  # noqa: F403
from cloudlet.services.events.operations.targets import *  # noqa: F403
