"""Secrets Manager: ``AWS::SecretsManager::Secret`` (``SecretString`` or ``GenerateSecretString``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_secret(stack: Stack, props: Props) -> None:
    secrets = stack.client("secretsmanager")
    name = stack.name(props, "Name", 512)
    request: dict[str, Any] = {"Name": name}
    for key in ("Description", "KmsKeyId", "SecretString"):
        if (value := props.take(key)) is not None:
            request[key] = value
    if (generate := props.take("GenerateSecretString")) is not None:
        request["SecretString"] = _generated_secret(secrets, generate)
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    arn = secrets.create_secret(**request)["ARN"]
    stack.record(props, arn, Id=arn)


def _generated_secret(secrets: Any, spec: dict[str, Any]) -> str:
    """``GenerateSecretString``: a random password, alone or in its ``SecretStringTemplate``."""
    spec = dict(spec)
    template, key = spec.pop("SecretStringTemplate", None), spec.pop("GenerateStringKey", None)
    options = {k: (int(v) if k == "PasswordLength" else v) for k, v in spec.items()}
    for flag in [k for k in options if k.startswith(("Exclude", "Include", "Require"))]:
        if flag != "ExcludeCharacters":
            options[flag] = as_bool(options[flag])
    password = secrets.get_random_password(**options)["RandomPassword"]
    if template is None:
        return str(password)
    document = json.loads(template)
    document[key or "password"] = password
    return json.dumps(document)


CREATORS: Creators = {
    "AWS::SecretsManager::Secret": create_secret,
}
