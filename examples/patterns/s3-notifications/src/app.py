"""Makes a "thumbnail" of each uploaded images/*.jpg: writes thumbnails/<name>.txt describing it (its
size). The output prefix is outside the notification's filter, so the function never triggers itself."""

import json
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        size = record["s3"]["object"]["size"]
        name = key.rsplit("/", 1)[-1]
        thumbnail = f"thumbnails/{name}.txt"
        s3.put_object(Bucket=bucket, Key=thumbnail, Body=f"thumbnail of {key} ({size} bytes)\n".encode())
        print(json.dumps({"source": key, "thumbnail": thumbnail}))
