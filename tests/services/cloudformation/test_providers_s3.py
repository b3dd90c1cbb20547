"""AWS::S3::Bucket and AWS::S3::BucketPolicy providers, driven directly on the server loop (as the
engine drives them)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudlet.protocol.errors import ServiceError
from cloudlet.services.cloudformation.providers.base import ProviderError
from tests.services.cloudformation.harness import (
    ACCOUNT,
    REGION,
    create,
    delete,
    resource,
    update,
)

pytestmark = pytest.mark.cloudlet(in_memory=True, services=["s3", "sqs", "sns", "lambda", "cloudformation"])


def error_code(s3: Any, call: str, **params: Any) -> str:
    with pytest.raises(ClientError) as info:
        getattr(s3, call)(**params)
    return info.value.response["Error"]["Code"]


def test_bucket_configuration_update_and_delete(cloudlet):
    s3 = cloudlet.client("s3")
    props = {
        "VersioningConfiguration": {"Status": "Enabled"},
        "CorsConfiguration": {
            "CorsRules": [
                {
                    "AllowedMethods": ["GET"],
                    "AllowedOrigins": ["*"],
                    "ExposedHeaders": ["ETag"],
                    "MaxAge": "300",
                }
            ]
        },
        "LifecycleConfiguration": {
            "Rules": [
                {
                    "Id": "old-logs",
                    "Status": "Enabled",
                    "Prefix": "logs/",
                    "ExpirationInDays": "30",
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                },
                {
                    "Id": "tagged",
                    "Status": "Enabled",
                    "TagFilters": [{"Key": "tmp", "Value": "1"}],
                    "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 60}],
                    "NoncurrentVersionExpirationInDays": 7,
                },
            ]
        },
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "true"}
            ]
        },
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": "true"},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "error.html"},
        "Tags": [{"Key": "team", "Value": "data"}, {"Key": "cost", "Value": 42}],
    }
    bucket = resource("Uploads", "AWS::S3::Bucket", props)
    done = create(cloudlet, bucket)
    name = done.physical_id
    assert name.startswith("app-uploads-") and name == name.lower() and len(name) <= 63
    assert done.attributes == {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.us-east-1.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.us-east-1.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-us-east-1.amazonaws.com",
    }
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    cors = s3.get_bucket_cors(Bucket=name)["CORSRules"][0]
    assert cors["ExposeHeaders"] == ["ETag"] and cors["MaxAgeSeconds"] == 300
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
    assert (
        rules["old-logs"]["Filter"] == {"Prefix": "logs/"} and rules["old-logs"]["Expiration"]["Days"] == 30
    )
    tagged = rules["tagged"]
    assert tagged["Filter"] == {"Tag": {"Key": "tmp", "Value": "1"}}
    assert tagged["Transitions"] == [{"Days": 60, "StorageClass": "GLACIER"}]
    assert tagged["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    sse = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256" and sse["BucketKeyEnabled"]
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert block["BlockPublicAcls"] and block["BlockPublicPolicy"]
    ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    website = s3.get_bucket_website(Bucket=name)
    assert website["IndexDocument"] == {"Suffix": "index.html"} and website["ErrorDocument"] == {
        "Key": "error.html"
    }
    assert {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]} == {
        "team": "data",
        "cost": "42",
    }

    # update: versioning dropped (suspended, as AWS does), CORS/website removed, tags changed
    kept = {k: v for k, v in props.items() if k not in ("VersioningConfiguration", "CorsConfiguration")}
    kept.pop("WebsiteConfiguration")
    kept["Tags"] = [{"Key": "team", "Value": "ml"}]
    update(cloudlet, bucket, kept)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    assert error_code(s3, "get_bucket_cors", Bucket=name) == "NoSuchCORSConfiguration"
    assert error_code(s3, "get_bucket_website", Bucket=name) == "NoSuchWebsiteConfiguration"
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "team", "Value": "ml"}]

    # a bucket holding objects cannot be deleted (DELETE_FAILED on AWS)
    s3.put_object(Bucket=name, Key="a.txt", Body=b"x")
    with pytest.raises(ServiceError) as info:
        delete(cloudlet, bucket)
    assert info.value.code == "BucketNotEmpty"
    for version in s3.list_object_versions(Bucket=name).get("Versions", []):
        s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    delete(cloudlet, bucket)
    assert error_code(s3, "head_bucket", Bucket=name) == "404"
    delete(cloudlet, bucket)  # already gone: still done


def test_notifications_reach_a_queue_of_the_same_stack(cloudlet):
    s3, sqs = cloudlet.client("s3"), cloudlet.client("sqs")
    queue = resource("Inbox", "AWS::SQS::Queue", {"QueueName": "inbox"})
    create(cloudlet, queue)
    topic = resource("Alerts", "AWS::SNS::Topic", {"TopicName": "alerts"})
    create(cloudlet, topic)
    notifications = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": queue.attributes["Arn"],
                "Filter": {
                    "S3Key": {
                        "Rules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]
                    }
                },
            }
        ],
        "EventBridgeConfiguration": {"EventBridgeEnabled": True},
    }
    bucket = resource(
        "Data", "AWS::S3::Bucket", {"BucketName": "data-bucket", "NotificationConfiguration": notifications}
    )
    done = create(cloudlet, bucket)
    assert done.physical_id == "data-bucket"
    config = s3.get_bucket_notification_configuration(Bucket="data-bucket")
    assert config["QueueConfigurations"][0]["Events"] == ["s3:ObjectCreated:*"]
    assert "EventBridgeConfiguration" in config
    url = queue.physical_id
    sqs.purge_queue(QueueUrl=url)  # the s3:TestEvent sent when the configuration was put
    s3.put_object(Bucket="data-bucket", Key="in/rows.csv", Body=b"1,2")
    s3.put_object(Bucket="data-bucket", Key="in/rows.txt", Body=b"1,2")
    cloudlet.settle()
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    keys = [json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"] for m in messages]
    assert keys == ["in/rows.csv"]

    # update: notifications move to the topic; then removed entirely
    update(
        cloudlet,
        bucket,
        {
            "BucketName": "data-bucket",
            "NotificationConfiguration": {
                "TopicConfigurations": [{"Event": "s3:ObjectRemoved:*", "Topic": topic.physical_id}]
            },
        },
    )
    config = s3.get_bucket_notification_configuration(Bucket="data-bucket")
    assert "QueueConfigurations" not in config
    assert config["TopicConfigurations"][0]["TopicArn"] == topic.physical_id
    update(cloudlet, bucket, {"BucketName": "data-bucket"})
    config = s3.get_bucket_notification_configuration(Bucket="data-bucket")
    assert not {k for k in config if k != "ResponseMetadata"}


def test_missing_destination_and_existing_name_fail_and_leave_nothing(cloudlet):
    s3 = cloudlet.client("s3")
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:nowhere"
    bad = resource(
        "Bad",
        "AWS::S3::Bucket",
        {
            "BucketName": "bad-bucket",
            "NotificationConfiguration": {
                "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": missing}]
            },
        },
    )
    with pytest.raises(ServiceError) as info:
        create(cloudlet, bad)
    assert info.value.code == "InvalidArgument"
    assert error_code(s3, "head_bucket", Bucket="bad-bucket") == "404"  # cleaned up

    s3.create_bucket(Bucket="taken")
    with pytest.raises(ProviderError, match="taken already exists"):
        create(cloudlet, resource("Taken", "AWS::S3::Bucket", {"BucketName": "taken"}))


def test_bucket_policy(cloudlet):
    s3 = cloudlet.client("s3")
    s3.create_bucket(Bucket="site")
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
    }
    policy = resource(
        "SitePolicy",
        "AWS::S3::BucketPolicy",
        {"Bucket": "site", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}},
    )
    done = create(cloudlet, policy)
    assert done.physical_id == "site"
    assert (
        json.loads(s3.get_bucket_policy(Bucket="site")["Policy"])["Statement"][0]["Action"] == "s3:GetObject"
    )

    text = json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Action": "s3:ListBucket"}]})
    update(cloudlet, policy, {"Bucket": "site", "PolicyDocument": text})
    assert (
        json.loads(s3.get_bucket_policy(Bucket="site")["Policy"])["Statement"][0]["Action"] == "s3:ListBucket"
    )

    delete(cloudlet, policy)
    assert error_code(s3, "get_bucket_policy", Bucket="site") == "NoSuchBucketPolicy"
    s3.delete_bucket(Bucket="site")
    delete(cloudlet, policy)  # bucket gone: still done

    with pytest.raises(ProviderError, match=r"required key \[PolicyDocument\] not found"):
        create(cloudlet, resource("P", "AWS::S3::BucketPolicy", {"Bucket": "site"}))


def test_sam_style_lambda_configuration(cloudlet):
    """What the Serverless transform generates for an S3 event: LambdaConfigurations naming the
    function's ARN (the function exists first: the bucket refers to it)."""
    s3 = cloudlet.client("s3")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return None\n")
    arn = cloudlet.client("lambda").create_function(
        FunctionName="thumbs",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/r",
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]
    config = {
        "LambdaConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Function": arn,
                "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".jpg"}]}},
            }
        ]
    }
    create(
        cloudlet,
        resource("Photos", "AWS::S3::Bucket", {"BucketName": "photos", "NotificationConfiguration": config}),
    )
    (entry,) = s3.get_bucket_notification_configuration(Bucket="photos")["LambdaFunctionConfigurations"]
    assert entry["LambdaFunctionArn"] == arn and entry["Events"] == ["s3:ObjectCreated:*"]
    assert entry["Filter"] == {"Key": {"FilterRules": [{"Name": "Suffix", "Value": ".jpg"}]}}


def test_through_a_stack_notifications_update_and_delete_of_a_non_empty_bucket(cloudlet):
    cfn, s3, sqs = cloudlet.client("cloudformation"), cloudlet.client("s3"), cloudlet.client("sqs")
    template: dict[str, Any] = {
        "Resources": {
            "Inbox": {"Type": "AWS::SQS::Queue"},
            "Uploads": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "NotificationConfiguration": {
                        "QueueConfigurations": [
                            {"Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": ["Inbox", "Arn"]}}
                        ]
                    }
                },
            },
        },
        "Outputs": {
            "Bucket": {"Value": {"Ref": "Uploads"}},
            "BucketArn": {"Value": {"Fn::GetAtt": ["Uploads", "Arn"]}},
        },
    }
    cfn.create_stack(StackName="files", TemplateBody=json.dumps(template))
    cloudlet.settle()
    stack = cfn.describe_stacks(StackName="files")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    name = outputs["Bucket"]
    assert name.startswith("files-uploads-") and outputs["BucketArn"] == f"arn:aws:s3:::{name}"
    url = cfn.describe_stack_resource(StackName="files", LogicalResourceId="Inbox")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    sqs.purge_queue(QueueUrl=url)
    s3.put_object(Bucket=name, Key="a.txt", Body=b"x")
    cloudlet.settle()
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["Records"][0]["s3"]["object"]["key"] == "a.txt"

    template["Resources"]["Uploads"]["Properties"]["Tags"] = [{"Key": "team", "Value": "data"}]
    cfn.update_stack(StackName="files", TemplateBody=json.dumps(template))
    cloudlet.settle()
    assert cfn.describe_stacks(StackName="files")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "team", "Value": "data"}]

    cfn.delete_stack(StackName="files")  # the bucket holds an object: DELETE_FAILED, as on AWS
    cloudlet.settle()
    stack = cfn.describe_stacks(StackName="files")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    failed = cfn.describe_stack_resource(StackName="files", LogicalResourceId="Uploads")[
        "StackResourceDetail"
    ]
    assert failed["ResourceStatus"] == "DELETE_FAILED"
    assert "BucketNotEmpty" in failed["ResourceStatusReason"] or "not empty" in failed["ResourceStatusReason"]
    s3.delete_object(Bucket=name, Key="a.txt")
    cfn.delete_stack(StackName="files")
    cloudlet.settle()
    assert error_code(s3, "head_bucket", Bucket=name) == "404"
