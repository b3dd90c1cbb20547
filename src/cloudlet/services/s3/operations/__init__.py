"""S3 operations: one function per operation, `(ctx, request) -> response`, grouped by resource in
the modules below; each module lists its operation functions in `__all__`."""

from cloudlet.services.s3.operations.bucket_config import *  # noqa: F403
from cloudlet.services.s3.operations.buckets import *  # noqa: F403
from cloudlet.services.s3.operations.copy import *  # noqa: F403
from cloudlet.services.s3.operations.listing import *  # noqa: F403
from cloudlet.services.s3.operations.multipart import *  # noqa: F403
from cloudlet.services.s3.operations.notification_config import *  # noqa: F403
from cloudlet.services.s3.operations.object_config import *  # noqa: F403
from cloudlet.services.s3.operations.objects import *  # noqa: F403
from cloudlet.services.s3.operations.parts import *  # noqa: F403
