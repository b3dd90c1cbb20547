"""HTTP API route authorization over real HTTP: JWT authorizers against a local OpenID issuer,
Lambda REQUEST authorizers (simple responses, IAM policies, caching) and AWS_IAM."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.services.apigateway.conftest import lambda_uri

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

AUTHORIZER = """
def handler(event, context):
    token = (event.get("headers") or {}).get("authorization", "")
    if event.get("version") == "1.0" or "policy" in token:
        effect = "Allow" if "allow" in token else "Deny"
        return {
            "principalId": "user-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "execute-api:Invoke",
                        "Effect": effect,
                        "Resource": event.get("routeArn") or event.get("methodArn"),
                    }
                ],
            },
            "context": {"via": "policy"},
        }
    if token == "boom":
        raise RuntimeError("authorizer failed")
    if token.startswith("allow"):
        seen = event["requestContext"]["requestId"]
        return {"isAuthorized": True, "context": {"user": token, "seen": seen, "n": 5}}
    return {"isAuthorized": False}
"""


class Issuer:
    """A local OpenID issuer: discovery document and JWKS over HTTP, RSA signing."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}
        issuer = self
        self.fetches = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.fetches += 1
                if self.path == "/.well-known/openid-configuration":
                    doc: Any = {"issuer": issuer.url, "jwks_uri": issuer.url + "/keys"}
                elif self.path == "/keys":
                    doc = issuer.jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def token(self, key: Any = None, kid: str = "k1", **claims: Any) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    server = Issuer()
    yield server
    server.close()


def _api(apigw2: Any, arn: str) -> tuple[str, str]:
    api_id = apigw2.create_api(Name="auth", ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    return api_id, f"integrations/{integration}"


def test_jwt_authorizer(cloudlet: Any, apigw2: Any, make_function: Any, invoke: Any, issuer: Issuer) -> None:
    api_id, target = _api(apigw2, make_function("echo", ECHO))
    authorizer = apigw2.create_authorizer(
        ApiId=api_id,
        Name="jwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": ["client-a"], "Issuer": issuer.url},
    )["AuthorizerId"]
    for key, scopes in (("GET /private", []), ("GET /scoped", ["orders/write"])):
        apigw2.create_route(
            ApiId=api_id,
            RouteKey=key,
            Target=target,
            AuthorizationType="JWT",
            AuthorizerId=authorizer,
            AuthorizationScopes=scopes,
        )
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    now = int(cloudlet.clock.now())
    good = {"iss": issuer.url, "sub": "alice", "aud": "client-a", "exp": now + 600, "iat": now}

    token = issuer.token(**good, scope="orders/read profile", groups=["a", "b"])
    ok = invoke("GET", api_id, "/private", headers={"Authorization": f"Bearer {token}"})
    assert ok.status == 200, ok.body
    jwt_context = ok.json()["requestContext"]["authorizer"]["jwt"]
    assert jwt_context["claims"]["sub"] == "alice"
    assert jwt_context["claims"]["exp"] == str(now + 600)
    assert jwt_context["claims"]["groups"] == "[a b]"
    assert jwt_context["scopes"] == ["orders/read", "profile"]
    # client_id stands in for a missing aud (Cognito access tokens)
    cognito = issuer.token(**{**{k: v for k, v in good.items() if k != "aud"}, "client_id": "client-a"})
    assert invoke("GET", api_id, "/private", headers={"Authorization": cognito}).status == 200

    def refused(headers: dict[str, str], path: str = "/private") -> Any:
        reply = invoke("GET", api_id, path, headers=headers)
        return reply.status, reply.json(), reply.headers.get("www-authenticate", "")

    status, body, challenge = refused({})
    assert (status, body) == (401, {"message": "Unauthorized"})
    expired = issuer.token(**{**good, "exp": now - 5})
    status, body, challenge = refused({"Authorization": f"Bearer {expired}"})
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert 'error="invalid_token"' in challenge and "expired" in challenge
    wrong_aud = issuer.token(**{**good, "aud": "someone-else"})
    status, _, challenge = refused({"Authorization": f"Bearer {wrong_aud}"})
    assert status == 401 and "audience" in challenge
    wrong_iss = issuer.token(**{**good, "iss": "https://elsewhere.example"})
    assert refused({"Authorization": f"Bearer {wrong_iss}"})[0] == 401
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = issuer.token(key=other_key, **good)
    assert refused({"Authorization": f"Bearer {forged}"})[0] == 401
    not_yet = issuer.token(**{**good, "nbf": now + 300})
    assert refused({"Authorization": f"Bearer {not_yet}"})[0] == 401
    assert refused({"Authorization": "Bearer not-a-jwt"})[0] == 401
    hs = jwt.encode(good, "secret", algorithm="HS256", headers={"kid": "k1"})
    status, _, challenge = refused({"Authorization": f"Bearer {hs}"})
    assert status == 401 and "HS256" in challenge

    status, body, _ = refused({"Authorization": f"Bearer {token}"}, "/scoped")
    assert (status, body) == (403, {"message": "Forbidden"})
    writer = issuer.token(**good, scp=["orders/write"])
    assert invoke("GET", api_id, "/scoped", headers={"Authorization": writer}).status == 200

    assert issuer.fetches == 2  # discovery and JWKS once: the keys are cached
    # the token expires as the clock moves on
    cloudlet.clock.advance(601)
    assert refused({"Authorization": f"Bearer {token}"})[0] == 401


def test_lambda_authorizer_and_iam(cloudlet: Any, apigw2: Any, make_function: Any, invoke: Any) -> None:
    api_id, target = _api(apigw2, make_function("echo", ECHO))
    auth_uri = lambda_uri(make_function("auth", AUTHORIZER))
    simple = apigw2.create_authorizer(
        ApiId=api_id,
        Name="simple",
        AuthorizerType="REQUEST",
        AuthorizerUri=auth_uri,
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        IdentitySource=["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds=300,
    )["AuthorizerId"]
    policy = apigw2.create_authorizer(
        ApiId=api_id,
        Name="policy",
        AuthorizerType="REQUEST",
        AuthorizerUri=auth_uri,
        AuthorizerPayloadFormatVersion="1.0",
        IdentitySource=["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds=0,
    )["AuthorizerId"]
    routes = (
        ("GET /simple", "CUSTOM", simple),
        ("GET /policy", "CUSTOM", policy),
        ("GET /iam", "AWS_IAM", None),
    )
    for key, kind, authorizer_id in routes:
        extra = {"AuthorizerId": authorizer_id} if authorizer_id else {}
        apigw2.create_route(ApiId=api_id, RouteKey=key, Target=target, AuthorizationType=kind, **extra)
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)

    first = invoke("GET", api_id, "/simple", headers={"Authorization": "allow-1"})
    assert first.status == 200, first.body
    context = first.json()["requestContext"]["authorizer"]["lambda"]
    assert (context["user"], context["n"]) == ("allow-1", 5)
    again = invoke("GET", api_id, "/simple", headers={"Authorization": "allow-1"})
    assert again.json()["requestContext"]["authorizer"]["lambda"]["seen"] == context["seen"]  # cached
    cloudlet.clock.advance(301)
    later = invoke("GET", api_id, "/simple", headers={"Authorization": "allow-1"})
    assert later.json()["requestContext"]["authorizer"]["lambda"]["seen"] != context["seen"]

    for headers, expected in (
        ({}, (401, "Unauthorized")),
        ({"Authorization": "nope"}, (403, "Forbidden")),
        ({"Authorization": "boom"}, (500, "Internal Server Error")),
    ):
        reply = invoke("GET", api_id, "/simple", headers=headers)
        assert (reply.status, reply.json()["message"]) == expected

    allowed = invoke("GET", api_id, "/policy", headers={"Authorization": "policy-allow"})
    assert allowed.status == 200, allowed.body
    assert allowed.json()["requestContext"]["authorizer"]["lambda"] == {"via": "policy"}
    denied = invoke("GET", api_id, "/policy", headers={"Authorization": "policy-deny"})
    assert (denied.status, denied.json()) == (403, {"message": "Forbidden"})

    unsigned = invoke("GET", api_id, "/iam")
    assert (unsigned.status, unsigned.json()) == (403, {"message": "Forbidden"})
    signed = invoke(
        "GET",
        api_id,
        "/iam",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 "
            "Credential=AKIAEXAMPLE/20261206/us-east-1/execute-api/aws4_request, "
            "SignedHeaders=host, Signature=abc"
        },
    )
    assert signed.status == 200, signed.body
    assert signed.json()["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKIAEXAMPLE"
