"""The example at the top of docs/s3.md, as written there."""

import json


def test_upload_notifies_the_queue(cloudlet):
    s3, sqs = cloudlet.client("s3"), cloudlet.client("sqs")
    s3.create_bucket(Bucket="uploads")
    url = sqs.create_queue(QueueName="new-files")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}},
                }
            ]
        },
    )
    sqs.purge_queue(QueueUrl=url)  # the s3:TestEvent sent on configuration
    s3.put_object(Bucket="uploads", Key="cats/tom.jpg", Body=b"...")
    record = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["s3"]["object"]["key"] == "cats/tom.jpg"
