"""STS: GetCallerIdentity (the first call many tools make). Other operations are not implemented.

Deviations from AWS: credentials are not verified; the caller is the account's root identity.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "sts",
    {"sts": "cloudlet.services.sts.operations"},
    "Security Token Service",
    deviations=(
        "Credentials are not verified; every caller is the account root (arn:aws:iam::<account>:root).",
    ),
)
