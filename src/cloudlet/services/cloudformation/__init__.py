"""CloudFormation: stacks from CloudFormation and SAM templates (the Serverless transform runs through
aws-sam-translator), change sets, exports, and resource providers that create every resource through
the owning service's own operations.

Layout: `operations/` answers the query API; `template.py` reads templates (YAML short forms, line
numbers); `intrinsics.py` resolves functions, conditions and parameters; `engine.py` plans and runs a
deployment (dependency order, events, rollback); `providers/` creates resources by type.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "cloudformation",
    {"cloudformation": "cloudlet.services.cloudformation.operations"},
    "CloudFormation",
    validation_error="ValidationError",
    setup="cloudlet.services.cloudformation.engine:setup",
    deviations=(),
)
