"""Translate template.yaml with aws-sam-translator into plain CloudFormation JSON (offline).

Raw SAM hides what checkers must see: the roles, policies, event source mappings and permissions
that SAM generates. Runs in .venv-tools (aws-sam-translator pins a pydantic the app cannot use).

    .venv-tools/bin/python .ci/translate.py template.yaml .aws-sam/translated.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# the translator reads the Region for ARNs and partition lookups; no AWS call is made
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

#: local paths are replaced by an S3 location, as `sam package` would, so that the translator accepts them
_ARTIFACT_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}
_PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": os.environ["AWS_DEFAULT_REGION"],
    "AWS::Partition": "aws",
    "AWS::StackName": "backup-autopilot",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/backup-autopilot/0",
    "AWS::URLSuffix": "amazonaws.com",
}


def _with_s3_artifacts(template: dict[str, Any]) -> dict[str, Any]:
    for resource in template.get("Resources", {}).values():
        prop = _ARTIFACT_PROPERTIES.get(resource.get("Type", ""))
        properties = resource.get("Properties", {})
        if prop and isinstance(properties.get(prop), str) and not properties[prop].startswith("s3://"):
            properties[prop] = f"s3://bucket/{properties[prop].strip('/')}.zip"
    return template


def translate(source: Path) -> dict[str, Any]:
    """The CloudFormation template that CloudFormation would produce from ``source``."""
    template = _with_s3_artifacts(yaml_parse(source.read_text()))
    translator = Translator(managed_policy_map=None, sam_parser=Parser(), plugins=[])
    result: dict[str, Any] = translator.translate(
        sam_template=template,
        parameter_values=dict(_PSEUDO_PARAMETERS),
        get_managed_policy_map=dict,  # only needed for policy names without an ARN; we use none
    )
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: {argv[0]} TEMPLATE OUTPUT.json", file=sys.stderr)
        return 2
    output = Path(argv[2])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(translate(Path(argv[1])), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
