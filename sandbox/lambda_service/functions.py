"""Functions as template.yaml declares them: code, layers, environment, limits and async settings.

:func:`load_function` reads an ``AWS::Serverless::Function`` (Globals merged, intrinsics resolved)
into a :class:`Function`: its local ``CodeUri`` and ``Handler``, the directories of its layers
(those of the template; others are reported), the environment Lambda gives it (the template's
variables plus those Lambda itself sets, and ``AWS_SAM_LOCAL=true`` as ``sam local`` does),
``Timeout``, ``MemorySize``, ``ReservedConcurrentExecutions``, ``EventInvokeConfig`` and
``DeadLetterQueue``. :class:`FunctionCatalog` finds them by logical id or ARN.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.template import TemplateError

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from sandbox.deploy import DeployedFunction, Deployment

DEFAULT_MAX_EVENT_AGE = 6 * 3600


@dataclass
class AsyncConfig:
    """EventInvokeConfig and DeadLetterQueue of a function."""

    max_retries: int = 2
    max_event_age: float = DEFAULT_MAX_EVENT_AGE
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None


@dataclass
class Function:
    """A function as the service runs it (its "container" state included)."""

    spec: DeployedFunction
    handler: str
    code_dir: Path
    layer_paths: list[Path]
    environment: dict[str, str]
    timeout: float
    memory: int
    runtime: str
    reserved_concurrency: int | None
    async_config: AsyncConfig
    #: top-level module names of its code and layers: the modules each container keeps its own
    owned_names: frozenset[str]
    module: ModuleType | None = None
    modules: dict[str, ModuleType] = field(default_factory=dict)
    container_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def logical_id(self) -> str:
        return self.spec.logical_id


class FunctionCatalog:
    """The stack's functions, by logical id (``functions``) and by ARN; and the functions of other
    stacks (``others``, by ARN), which run only when invoked through the Lambda API."""

    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.others: dict[str, Function] = {}

    def load(self, deployment: Deployment) -> None:
        for spec in deployment.functions.values():
            self.functions[spec.logical_id] = load_function(deployment, spec)

    def load_other(self, deployment: Deployment) -> list[Function]:
        """Another stack's functions (``Sandbox.deploy_stack``): found by ARN or name, never by
        logical id (two stacks may use the same one)."""
        loaded = [load_function(deployment, spec) for spec in deployment.functions.values()]
        self.others.update({function.spec.arn: function for function in loaded})
        return loaded

    def by_name(self, name_or_arn: str, *, account: str, region: str) -> Function | None:
        """The function the Lambda API means by ``name_or_arn`` (a name, an ARN or a partial ARN
        ``<account>:function:<name>``) in ``account`` and ``region``, the stack's or another's."""
        parts = name_or_arn.split(":")
        if name_or_arn.startswith("arn:") and len(parts) >= 7:
            account_part, region_part, name = parts[4], parts[3], parts[6]
        elif len(parts) >= 3 and parts[1] == "function":
            account_part, region_part, name = parts[0], region, parts[2]
        else:
            account_part, region_part, name = account, region, name_or_arn
        if (account_part, region_part) != (account, region):
            return None
        for function in (*self.functions.values(), *self.others.values()):
            arn_parts = function.spec.arn.split(":")
            if (function.spec.name, arn_parts[4], arn_parts[3]) == (name, account, region):
                return function
        return None

    def get(self, logical_id: str) -> Function:
        try:
            return self.functions[logical_id]
        except KeyError:
            raise KeyError(f"no function {logical_id} (known: {', '.join(sorted(self.functions))})") from None

    def by_arn(self, arn: str) -> Function | None:
        unqualified = ":".join(arn.split(":")[:7])
        return next((f for f in self.functions.values() if f.spec.arn == unqualified), None)


def load_function(deployment: Deployment, spec: DeployedFunction) -> Function:
    """The :class:`Function` of a deployed ``AWS::Serverless::Function``."""
    props = spec.properties
    resolve = deployment.resolve
    code_uri = resolve(props.get("CodeUri"))
    if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
        raise TemplateError(f"{spec.logical_id}: the sandbox needs a local CodeUri")
    runtime = str(resolve(props.get("Runtime", "")))
    if not runtime.startswith("python"):
        raise TemplateError(f"{spec.logical_id}: runtime {runtime!r}: the sandbox runs Python functions only")
    code_dir = (deployment.template.root / code_uri).resolve()
    layer_paths = _layer_paths(deployment, spec, resolve(props.get("Layers", [])))
    handler = str(resolve(props.get("Handler", "")))
    timeout = float(resolve(props.get("Timeout", 3)))
    memory = int(resolve(props.get("MemorySize", 128)))
    reserved = resolve(props.get("ReservedConcurrentExecutions"))
    return Function(
        spec=spec,
        handler=handler,
        code_dir=code_dir,
        layer_paths=layer_paths,
        environment=_environment(
            deployment, spec, handler, code_dir, memory, resolve(props.get("Environment", {}))
        ),
        timeout=timeout,
        memory=memory,
        runtime=runtime,
        reserved_concurrency=None if reserved is None else int(reserved),
        async_config=_async_config(
            resolve(props.get("EventInvokeConfig", {})), resolve(props.get("DeadLetterQueue"))
        ),
        owned_names=frozenset(_top_level_names(code_dir, *layer_paths)),
    )


def _layer_paths(deployment: Deployment, spec: DeployedFunction, arns: list[Any]) -> list[Path]:
    by_arn = {deployment.physical.ref(logical): path for logical, path in deployment.layer_paths.items()}
    paths = []
    for arn in arns:
        if arn in by_arn:
            paths.append(by_arn[arn])
        else:
            deployment.warn(
                f"{spec.logical_id}: layer {arn} is not in the template; its packages must be installed"
            )
    return paths


def _environment(
    deployment: Deployment,
    spec: DeployedFunction,
    handler: str,
    code_dir: Path,
    memory: int,
    environment: dict[str, Any],
) -> dict[str, str]:
    region = deployment.template.context.region
    variables = environment.get("Variables", {}) if isinstance(environment, dict) else {}
    env = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": handler,
        # as `sam local invoke` does: Powertools then keeps the X-Ray tracer off
        "AWS_SAM_LOCAL": "true",
    }
    for name, value in variables.items():
        if isinstance(value, list | dict):
            raise TemplateError(f"{spec.logical_id}: environment variable {name} is not a string")
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def _async_config(config: dict[str, Any], dead_letter: dict[str, Any] | None) -> AsyncConfig:
    destinations = config.get("DestinationConfig", {})
    return AsyncConfig(
        max_retries=int(config.get("MaximumRetryAttempts", 2)),
        max_event_age=float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE)),
        on_success=destinations.get("OnSuccess", {}).get("Destination"),
        on_failure=destinations.get("OnFailure", {}).get("Destination"),
        dead_letter=(dead_letter or {}).get("TargetArn"),
    )


def _top_level_names(*directories: Path) -> set[str]:
    """Importable top-level module and package names found in ``directories``."""
    names = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.stem.isidentifier():
                names.add(entry.stem)
    return names
