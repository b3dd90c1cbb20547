"""The `AWS::Serverless-2016-10-31` transform, run by aws-sam-translator (the library AWS uses).

Needs no network: AWS managed policy names resolve through the map the translator ships
(`samtranslator/internal/data/aws_managed_policies.json`), and the region comes from the stack, not
from a boto3 session.
"""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

from cloudlet.services.cloudformation.errors import validation

SERVERLESS = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


def _policy_map(partition: str) -> dict[str, str]:
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map

    return get_bundled_managed_policy_map(partition) or get_bundled_managed_policy_map("aws") or {}


class _NoDialups:
    """The translator's feature toggles with every gradual-rollout feature off, as in a region where none
    is dialled up (the default config has none and warns on every lookup)."""

    @staticmethod
    def new(base: type) -> Any:
        class Off(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                pass

            def is_enabled(self, feature_name: str) -> bool:
                return False

        return Off()


def transform(body: dict[str, Any], parameters: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """The template with every AWS::Serverless::* resource turned into CloudFormation resources.
    Raises ValidationError "Transform AWS::Serverless-2016-10-31 failed with: ..."."""
    from samtranslator.feature_toggle.feature_toggle import FeatureToggle
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    fragment = json.loads(json.dumps(body, default=str))  # plain dicts, a copy the translator may change
    values = copy.deepcopy(parameters)
    partition = ArnGenerator.get_partition_name(region)
    values.setdefault("AWS::Region", region)
    values.setdefault("AWS::Partition", partition)
    values.setdefault("AWS::AccountId", account)
    policies = _policy_map(partition)
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    try:
        to_py27_compatible_template(fragment, values)
        session: Any = SimpleNamespace(region_name=region)  # all the translator reads of a boto3 session
        translator = Translator(None, Parser(), boto_session=session, metrics=metrics)
        result = translator.translate(
            fragment,
            parameter_values=values,
            feature_toggle=_NoDialups.new(FeatureToggle),
            get_managed_policy_map=lambda: policies,
        )
        translated: dict[str, Any] = undo_mark_unicode_str_in_template(result)
    except InvalidDocumentException as exc:
        details = " ".join(cause.message for cause in exc.causes)
        raise validation(f"Transform {SERVERLESS} failed with: {exc.message} {details}".strip()) from None
    except ExceptionWithMessage as exc:
        raise validation(f"Transform {SERVERLESS} failed with: {exc.message}") from None
    finally:
        metrics.publish()
    return json.loads(json.dumps(translated, default=str))
