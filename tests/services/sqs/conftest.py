"""SQS test fixtures: `sqs` is a boto3 client over each wire protocol SQS speaks (json, legacy query)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.protocol.legacy_sqs import legacy_sqs_model_data


def _legacy_model_dir(root: Path) -> Path:
    """A botocore data dir holding SQS as the last query-protocol SDKs saw it."""
    data = legacy_sqs_model_data()
    data["metadata"]["protocol"] = "query"
    data["metadata"]["protocols"] = ["query"]
    target = root / "sqs" / "2012-11-05"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(data))
    return root


@pytest.fixture(scope="session")
def legacy_sqs_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _legacy_model_dir(tmp_path_factory.mktemp("legacy-sqs"))


def query_client(cloudlet: Any, data_dir: Path, **kwargs: Any) -> Any:
    """An SQS client speaking the legacy query protocol (`Action=SendMessage` forms, XML answers)."""
    session = boto3.Session(
        aws_access_key_id=kwargs.pop("aws_access_key_id", "test"),
        aws_secret_access_key="test",
        region_name=kwargs.pop("region_name", "us-east-1"),
    )
    session._session.get_component("data_loader").search_paths.insert(0, str(data_dir))
    return session.client(
        "sqs", endpoint_url=cloudlet.endpoint, config=Config(retries={"max_attempts": 1}), **kwargs
    )


@pytest.fixture(params=["json", "query"])
def sqs(request: pytest.FixtureRequest, cloudlet: Any, legacy_sqs_data: Path) -> Any:
    """boto3 SQS client, once per wire protocol."""
    if request.param == "json":
        return cloudlet.client("sqs")
    return query_client(cloudlet, legacy_sqs_data)


@pytest.fixture
def sqs_json(cloudlet: Any) -> Any:
    return cloudlet.client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="work")["QueueUrl"]


@pytest.fixture
def fifo_queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="work.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]


def error_of(exc_info: Any) -> tuple[str, int]:
    """(code, HTTP status) of a botocore ClientError."""
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]
