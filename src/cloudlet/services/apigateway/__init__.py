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
        "Custom domain names, VPC links, client certificates, SDK generation and documentation parts are"
        " not implemented.",
        "IAM authorization (AWS_IAM) checks that a request is signed, not what the policy allows.",
    ),
)
