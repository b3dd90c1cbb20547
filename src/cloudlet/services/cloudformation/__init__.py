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
    deviations=(
        "Resource types and properties without a cloudlet provider fail CreateStack, CreateChangeSet and "
        "ValidateTemplate with a ValidationError naming the resource, type or property and template line "
        "(AWS accepts any registered type).",
        "Transforms: AWS::Serverless-2016-10-31 (aws-sam-translator, bundled managed-policy map) and "
        "AWS::LanguageExtensions functions only; macros, AWS::Include and Fn::Transform are refused.",
        "Parameter types AWS::SSM::Parameter::Value<...> are refused (no SSM); AWS::EC2::* parameter "
        "types are plain strings, not checked against EC2.",
        "Nested stacks, stack sets, drift detection, resource import (ChangeSetType IMPORT), hooks and "
        "rollback triggers are not implemented.",
        "TimeoutInMinutes, NotificationARNs, RoleARN and the stack policy are stored and returned but "
        "not enforced (no SNS stack notifications); stack tags are not propagated to resources.",
        "CreateStack, UpdateStack, DeleteStack and ExecuteChangeSet answer once the deployment ends (or "
        "after 20 s, the rest continuing in the background); change sets are computed synchronously.",
        "Executing a change set deletes the stack's change sets once the execution succeeds.",
        "Fn::GetAZs returns <region>a, b and c; DescribeStacks and ListStacks return a single page.",
    ),
)
