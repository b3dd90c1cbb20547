"""API Gateway: REST APIs (v1) and HTTP APIs (v2), their control planes and the invoke URLs that serve
them on the cloudlet endpoint (`<api-id>.execute-api.localhost:4566/<stage>/<path>` and
`/_aws/execute-api/<api-id>/<stage>/<path>`).

Layout: `v1/operations` and `v2/operations` are the two control planes (one function per operation);
`store.py` keeps every resource as its AWS document; `snapshot.py` freezes an API into the deployment a
stage serves; `serve/` answers invoke-URL requests (routing, authorizers, integrations, responses).
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "apigateway",
    {
        "apigateway": "cloudlet.services.apigateway.v1.operations",
        "apigatewayv2": "cloudlet.services.apigateway.v2.operations",
    },
    "API Gateway (REST and HTTP APIs)",
    validation_error="BadRequestException",
    setup="cloudlet.services.apigateway.engine:setup",
    deviations=(
        "Custom domain names, base path and API mappings, VPC links, client certificates, documentation"
        " parts, SDK generation, TestInvokeMethod, routing rules and portals are not implemented.",
        "Signatures are not verified: AWS_IAM authorization checks that a request is signed, not what"
        " the caller's policies allow; resource policies are stored, not enforced; integration"
        " credentials (roles) are not assumed.",
        "REST API stage caches are not served (enabling one makes it AVAILABLE at once); Cognito user"
        " pool authorizers answer 500; usage-plan throttle buckets are in memory (quotas are durable).",
        "Header names reach integrations lower-cased; mapping-template JSONPath has no filter expressions.",
        "WebSocket APIs can be configured but their endpoint does not accept connections.",
    ),
)
