"""S3: buckets, objects streamed to files under the data directory, versioning, multipart uploads,
checksums, presigned URLs, bucket configuration (tagging, CORS, policy, lifecycle, encryption), and
event notifications to SQS, SNS and Lambda committed with the write that caused them.

Deviations from AWS: policies and ACLs are stored, not enforced; signatures are not verified
(presigned URL expiry is); SSE-C is refused; storage classes are recorded, not tiered.
"""

from cloudlet.services.spec import ServiceSpec

SPEC = ServiceSpec(
    "s3",
    {"s3": "cloudlet.services.s3.operations"},
    "Simple Storage Service",
    validation_error="InvalidArgument",
    setup="cloudlet.services.s3.engine:setup",
    prepare="cloudlet.services.s3.requests:prepare",
    streams_bodies=True,
    deviations=(
        "Bucket policies, ACLs and public access blocks are stored and returned, not enforced;"
        " notification destinations are checked for existence only (their policies are not evaluated).",
        "Lifecycle transitions, website hosting and access logging are stored, not applied.",
        "Request signatures are not verified; presigned URLs are checked for expiry.",
        "SSE-C (customer-provided keys) is refused; SSE-S3/SSE-KMS settings are recorded (bytes are"
        " stored as sent).",
        "Storage classes are recorded, not tiered; RestoreObject and Select are not implemented.",
    ),
)
