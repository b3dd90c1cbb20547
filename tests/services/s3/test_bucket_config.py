"""Bucket sub-resources: stored and returned as sent, AWS's defaults, "not found" errors and validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}
    ],
}
LIFECYCLE = {
    "Rules": [
        {
            "ID": "tmp",
            "Status": "Enabled",
            "Filter": {"Prefix": "tmp/"},
            "Expiration": {"Days": 7},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
        },
        {
            "ID": "old-versions",
            "Status": "Disabled",
            "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}]}},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 2},
        },
    ]
}


def _lifecycle_error(s3: Any, bucket: str, rules: list[dict[str, Any]]) -> tuple[str, int]:
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    return error_of(exc)


# -- tagging ---------------------------------------------------------------------------------------


def test_bucket_tagging_round_trips(s3, bucket):
    tag_set = [{"Key": "team", "Value": "web"}, {"Key": "env", "Value": ""}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tag_set


def test_bucket_without_tags_answers_no_such_tag_set(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(exc) == ("NoSuchTagSet", 404)


def test_deleted_bucket_tagging_is_gone(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(exc) == ("NoSuchTagSet", 404)


def test_bucket_tag_with_reserved_prefix_is_refused(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "aws:x", "Value": "y"}]})
    assert error_of(exc) == ("InvalidTag", 400)


def test_sub_resource_of_missing_bucket_answers_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket="nowhere")
    assert error_of(exc) == ("NoSuchBucket", 404)


# -- CORS ------------------------------------------------------------------------------------------


def test_cors_configuration_round_trips(s3, bucket):
    rules = [
        {
            "ID": "web",
            "AllowedHeaders": ["*"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedOrigins": ["https://example.com"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 300,
        }
    ]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules


def test_bucket_without_cors_answers_no_such_cors_configuration(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(exc) == ("NoSuchCORSConfiguration", 404)


def test_cors_rule_with_unsupported_method_is_refused(s3, bucket):
    rule = {"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    assert error_of(exc) == ("InvalidRequest", 400)
    assert "Unsupported method is PATCH" in exc.value.response["Error"]["Message"]


def test_deleted_cors_configuration_is_gone(s3, bucket):
    rule = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    s3.delete_bucket_cors(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(exc) == ("NoSuchCORSConfiguration", 404)


# -- policy ----------------------------------------------------------------------------------------


def test_bucket_policy_is_returned_as_sent(s3, bucket):
    text = json.dumps(POLICY, indent=2)
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == text


def test_bucket_policy_that_is_not_json_is_malformed(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy='{"Statement": [')
    assert error_of(exc) == ("MalformedPolicy", 400)


def test_bucket_policy_without_statement_is_malformed(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy='{"Version": "2012-10-17"}')
    assert error_of(exc) == ("MalformedPolicy", 400)
    assert exc.value.response["Error"]["Message"] == "Missing required field Statement"


def test_bucket_without_policy_answers_no_such_bucket_policy(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_of(exc) == ("NoSuchBucketPolicy", 404)


def test_policy_open_to_everyone_is_public(s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(POLICY))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}


def test_policy_for_one_account_is_not_public(s3, bucket):
    statement = {**POLICY["Statement"][0], "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({**POLICY, "Statement": [statement]}))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}


def test_deleted_bucket_policy_is_gone(s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(POLICY))
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_of(exc) == ("NoSuchBucketPolicy", 404)


# -- lifecycle -------------------------------------------------------------------------------------


def test_lifecycle_configuration_round_trips(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == LIFECYCLE["Rules"]
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_lifecycle_rule_without_id_gets_one(s3, bucket):
    rule = {"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"]


def test_bucket_without_lifecycle_answers_no_such_lifecycle_configuration(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(exc) == ("NoSuchLifecycleConfiguration", 404)


def test_deleted_lifecycle_configuration_is_gone(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=LIFECYCLE)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(exc) == ("NoSuchLifecycleConfiguration", 404)


def test_lifecycle_rule_ids_must_be_unique(s3, bucket):
    rule = {"ID": "same", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    assert _lifecycle_error(s3, bucket, [rule, rule]) == ("InvalidArgument", 400)


def test_lifecycle_expiration_days_must_be_positive(s3, bucket):
    rule = {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}
    assert _lifecycle_error(s3, bucket, [rule]) == ("InvalidArgument", 400)


def test_lifecycle_expired_marker_with_days_is_malformed(s3, bucket):
    expiration = {"Days": 1, "ExpiredObjectDeleteMarker": True}
    rule = {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": expiration}
    assert _lifecycle_error(s3, bucket, [rule]) == ("MalformedXML", 400)


def test_lifecycle_rule_with_prefix_and_filter_is_malformed(s3, bucket):
    rule = {"ID": "r", "Status": "Enabled", "Prefix": "a", "Filter": {}, "Expiration": {"Days": 1}}
    assert _lifecycle_error(s3, bucket, [rule]) == ("MalformedXML", 400)


def test_lifecycle_filter_with_two_predicates_is_malformed(s3, bucket):
    rule_filter = {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}
    rule = {"ID": "r", "Status": "Enabled", "Filter": rule_filter, "Expiration": {"Days": 1}}
    assert _lifecycle_error(s3, bucket, [rule]) == ("MalformedXML", 400)


def test_lifecycle_expiration_date_must_be_midnight(s3, bucket):
    rule = {"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2030-01-01T12:00:00Z"}}
    assert _lifecycle_error(s3, bucket, [rule]) == ("InvalidArgument", 400)


def test_lifecycle_rule_without_action_is_refused(s3, bucket):
    rule = {"ID": "r", "Status": "Enabled", "Filter": {}}
    assert _lifecycle_error(s3, bucket, [rule]) == ("InvalidRequest", 400)


def test_abort_incomplete_upload_cannot_filter_on_tags(s3, bucket):
    rule_filter = {"Tag": {"Key": "k", "Value": "v"}}
    abort = {"DaysAfterInitiation": 1}
    rule = {"ID": "r", "Status": "Enabled", "Filter": rule_filter, "AbortIncompleteMultipartUpload": abort}
    assert _lifecycle_error(s3, bucket, [rule]) == ("InvalidRequest", 400)


# -- encryption ------------------------------------------------------------------------------------


def test_new_bucket_encrypts_with_sse_s3(s3, bucket):
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules == [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
    ]


def test_bucket_encryption_round_trips(s3, bucket):
    rule = {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/mine"},
        "BucketKeyEnabled": True,
    }
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert got == [rule]


def test_deleting_bucket_encryption_restores_sse_s3(s3, bucket):
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    s3.delete_bucket_encryption(Bucket=bucket)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_kms_key_with_sse_s3_is_refused(s3, bucket):
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    assert error_of(exc) == ("InvalidArgument", 400)


# -- ownership controls and public access block ----------------------------------------------------


def test_new_bucket_enforces_bucket_owner(s3, bucket):
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_ownership_controls_round_trip(s3, bucket):
    controls = {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=controls)
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == controls


def test_deleted_ownership_controls_are_not_found(s3, bucket):
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert error_of(exc) == ("OwnershipControlsNotFoundError", 404)


def test_new_bucket_blocks_public_access(s3, bucket):
    config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert set(config.values()) == {True} and len(config) == 4


def test_public_access_block_round_trips(s3, bucket):
    config = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == config


def test_empty_public_access_block_is_refused(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={})
    assert error_of(exc) == ("InvalidRequest", 400)


def test_deleted_public_access_block_is_not_found(s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert error_of(exc) == ("NoSuchPublicAccessBlockConfiguration", 404)


# -- ACL -------------------------------------------------------------------------------------------


def test_new_bucket_acl_gives_the_owner_full_control(s3, bucket):
    got = s3.get_bucket_acl(Bucket=bucket)
    assert [g["Permission"] for g in got["Grants"]] == ["FULL_CONTROL"]
    assert got["Grants"][0]["Grantee"]["ID"] == got["Owner"]["ID"]
    assert got["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"


def test_public_acl_on_bucket_with_acls_disabled_is_refused(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert error_of(exc) == ("AccessControlListNotSupported", 400)


def test_canned_bucket_acl_is_stored_when_acls_are_enabled(s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    } in grants


def test_grant_header_is_stored(s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_bucket_acl(Bucket=bucket, GrantRead='id="abc123"')
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert grants == [{"Grantee": {"Type": "CanonicalUser", "ID": "abc123"}, "Permission": "READ"}]


def test_enforcing_ownership_over_a_public_acl_is_refused(s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    assert error_of(exc) == ("InvalidBucketAclWithObjectOwnership", 400)


# -- acceleration, request payment, website, logging -----------------------------------------------


def test_accelerate_configuration_round_trips(s3, bucket):
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"


def test_accelerate_is_refused_for_bucket_names_with_dots(s3):
    s3.create_bucket(Bucket="my.photos")
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_accelerate_configuration(
            Bucket="my.photos", AccelerateConfiguration={"Status": "Enabled"}
        )
    assert error_of(exc) == ("InvalidRequest", 400)


def test_request_payment_defaults_to_bucket_owner(s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"


def test_request_payment_round_trips(s3, bucket):
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"


def test_website_configuration_round_trips(s3, bucket):
    config = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=bucket)
    assert {k: got[k] for k in config} == config


def test_bucket_without_website_answers_no_such_website_configuration(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_website(Bucket=bucket)
    assert error_of(exc) == ("NoSuchWebsiteConfiguration", 404)


def test_website_index_suffix_with_slash_is_refused(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_website(
            Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}}
        )
    assert error_of(exc) == ("InvalidArgument", 400)


def test_logging_round_trips(s3, bucket):
    s3.create_bucket(Bucket="logs")
    status = {"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "photos/"}}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == status["LoggingEnabled"]


def test_logging_to_missing_bucket_is_refused(s3, bucket):
    status = {"LoggingEnabled": {"TargetBucket": "nowhere", "TargetPrefix": "x/"}}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)
    assert error_of(exc) == ("InvalidTargetBucketForLogging", 400)


def test_empty_logging_status_disables_logging(s3, bucket):
    s3.create_bucket(Bucket="logs")
    status = {"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "p/"}}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
