"""The Sandbox facade: the whole stack on one machine, as tests, the demo and benchmarks use it.

``with Sandbox() as sb:`` starts moto (``mock_aws``), the simulated clock, the event bus, fault
injection, the extended AWS Backup and tag-change events, deploys template.yaml with the
parameters of samconfig.toml's ``sandbox`` environment, and starts the router that runs the
stack's functions. Leaving the block stops all of it and restores the process's environment.
One sandbox runs per process at a time (moto's state, the clock and the hooks are process-wide).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
from moto import mock_aws

from sandbox import eventbus, faults, runtime
from sandbox.backup.install import install as install_backup
from sandbox.backup.state import backend_for
from sandbox.clock import SimClock
from sandbox.deploy import Deployment, deploy
from sandbox.faults import FAULTS, FaultInjector
from sandbox.lambda_service import Invocation, Notification, Router, next_sequence
from sandbox.resources import adapter_for_type, tagevents
from sandbox.resources.dynamodb import DynamoDBAdapter
from sandbox.template import StackContext, Template, load_yaml, read_samconfig

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping
    from types import TracebackType

    from sandbox.backup.backend import SandboxBackupBackend

#: moto's default account: the stack's account
DEFAULT_ACCOUNT_ID = "123456789012"
#: a second account for cross-account tests (copies into another account's vault)
SECOND_ACCOUNT_ID = "210987654321"
DEFAULT_REGION = "us-east-1"
DEFAULT_STACK_NAME = "sandbox"
#: the disaster-recovery side of the stack (the vault copies go to), relative to the template
DR_TEMPLATE = "dr/template.yaml"
#: moto reads its account from this header (after MOTO_ACCOUNT_ID, before the access key)
ACCOUNT_HEADER = "x-moto-account-id"

_running: Sandbox | None = None
_running_lock = threading.Lock()


@dataclass(frozen=True)
class RecordedEvent:
    """An event that entered a bus, with the simulated time it entered."""

    time: dt.datetime
    seq: int
    event: dict[str, Any]


class Sandbox:
    """The stack deployed into moto, with a controllable clock and the functions wired in.

    Parameters
    ----------
    template:
        Path of the SAM template (relative paths are read from the current directory).
    config_env:
        The samconfig.toml environment (beside the template) whose ``stack_name``, ``region`` and
        ``parameter_overrides`` are used.
    start:
        The simulated time the world starts at (default :data:`sandbox.clock.DEFAULT_START`).
    parameters:
        Parameter overrides applied after samconfig's.
    dr_template:
        The DR side's template, deployed first (as the README says to deploy it) into the
        ``DrRegion`` of the same account as stack ``<stack>-dr``, with ``VaultName`` = the main
        stack's ``DrVaultName`` and ``SourceAccountIds`` = the account; skipped when the file does
        not exist; ``None`` skips it.
    """

    def __init__(
        self,
        template: str | Path = "template.yaml",
        config_env: str = "sandbox",
        start: dt.datetime | None = None,
        *,
        parameters: Mapping[str, str] | None = None,
        dr_template: str | Path | None = DR_TEMPLATE,
    ) -> None:
        self.template_path = Path(template).resolve()
        self._dr_template = None if dr_template is None else self.template_path.parent / dr_template
        config = read_samconfig(self.template_path.parent / "samconfig.toml", config_env)
        self.account_id = DEFAULT_ACCOUNT_ID
        self.second_account_id = SECOND_ACCOUNT_ID
        self.region = config.region or DEFAULT_REGION
        self.stack_name = config.stack_name or DEFAULT_STACK_NAME
        self._parameters = {**config.parameter_overrides, **(parameters or {})}
        self.clock = SimClock(start)
        self.faults: FaultInjector = FAULTS
        self._mock = mock_aws()
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._events: list[RecordedEvent] = []
        self._undo: contextlib.ExitStack | None = None
        self._deployment: Deployment | None = None
        self._router: Router | None = None
        #: stacks deployed besides the main one (the DR side, ``deploy_stack``), by stack name
        self.stacks: dict[str, Deployment] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> Sandbox:
        """Start the world and deploy the stack into it."""
        global _running
        with _running_lock:
            if _running is not None:
                raise RuntimeError("a sandbox is already running in this process")
            _running = self
        undo = contextlib.ExitStack()  # every step registers how to undo it, in reverse order
        try:
            undo.callback(self._release)
            self._start_world(undo)
            template = Template(
                self.template_path,
                context=StackContext(self.account_id, self.region, self.stack_name),
                parameter_overrides=self._parameters,
            )
            self._deploy_dr_side(template)
            self._deployment = deploy(template, self.client)
            self._router = Router(self._deployment, self.clock, self.client).start()
            undo.callback(self._router.stop)
        except BaseException:
            undo.close()
            raise
        self._undo = undo
        return self

    def _start_world(self, undo: contextlib.ExitStack) -> None:
        self._set_env(undo, "AWS_DEFAULT_REGION", self.region)
        self._set_env(undo, "AWS_CONFIG_FILE", str(self._write_aws_config(undo)))
        self._set_env(undo, "AWS_PROFILE", None)  # never a real account's profile inside
        self.clock.start()
        undo.callback(self.clock.stop)
        runtime.set_clock(self.clock)
        undo.callback(runtime.set_clock, None)
        self._mock.start()
        undo.callback(self._mock.stop)
        eventbus.install()
        faults.install()
        undo.callback(FAULTS.clear)
        install_backup()
        tagevents.install()
        tagevents.reset()  # a new world: every type emits tag events, versions start again
        dynamodb = adapter_for_type("DynamoDB")
        if isinstance(dynamodb, DynamoDBAdapter):
            dynamodb.reset()  # a new world: advanced DynamoDB backup is off again (AWS's default)
        eventbus.add_observer(self._observe)
        undo.callback(eventbus.clear_observers)

    def stop(self) -> None:
        """Stop the router, moto, the clock and the hooks; restore the environment."""
        undo, self._undo = self._undo, None
        if undo is not None:
            undo.close()

    def _release(self) -> None:
        global _running
        self._clients.clear()
        with _running_lock:
            _running = None

    @staticmethod
    def _set_env(undo: contextlib.ExitStack, name: str, value: str | None) -> None:
        previous = os.environ.get(name)
        undo.callback(_put_env, name, previous)
        _put_env(name, value)

    @staticmethod
    def _write_aws_config(undo: contextlib.ExitStack) -> Path:
        """The SDK configuration of every client in the process (the handlers' too) while the sandbox
        runs: path-style S3 URLs, because moto routes a virtual-hosted bucket named like a service
        (``logs.s3.amazonaws.com``) to that service."""
        handle, name = tempfile.mkstemp(prefix="sandbox-aws-config-")
        with os.fdopen(handle, "w") as config:
            config.write("[default]\ns3 =\n    addressing_style = path\n")
        path = Path(name)
        undo.callback(path.unlink, missing_ok=True)
        return path

    def deploy_stack(
        self,
        template: str | Path,
        *,
        stack_name: str,
        region: str | None = None,
        account: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> Deployment:
        """Deploy another template into any account and Region (its functions are not run)."""
        region, account = region or self.region, account or self.account_id
        stack = Template(
            template, context=StackContext(account, region, stack_name), parameter_overrides=parameters
        )
        deployment = deploy(stack, lambda service: self.client(service, region=region, account=account))
        if deployment.functions:
            deployment.warn(f"{stack_name}: functions of stacks other than the main one are not run")
        self.stacks[stack_name] = deployment
        return deployment

    def _deploy_dr_side(self, main: Template) -> None:
        dr_region = main.parameters.get("DrRegion")
        if self._dr_template is None or not self._dr_template.exists() or not dr_region:
            return
        wanted = {"VaultName": main.parameters.get("DrVaultName"), "SourceAccountIds": self.account_id}
        declared = load_yaml(self._dr_template).get("Parameters") or {}
        parameters = {name: str(value) for name, value in wanted.items() if name in declared and value}
        self.deploy_stack(
            self._dr_template,
            stack_name=f"{self.stack_name}-dr",
            region=str(dr_region),
            parameters=parameters,
        )

    def _observe(self, event: dict[str, Any]) -> None:
        self._events.append(RecordedEvent(self.clock.now(), next_sequence(), event))

    # -- the deployed stack -----------------------------------------------------------------------
    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            raise RuntimeError("the sandbox is not started")
        return self._deployment

    @property
    def router(self) -> Router:
        if self._router is None:
            raise RuntimeError("the sandbox is not started")
        return self._router

    @property
    def template(self) -> Template:
        return self.deployment.template

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(self.deployment.outputs)

    @property
    def dr_region(self) -> str | None:
        value = self.template.parameters.get("DrRegion")
        return str(value) if value else None

    def physical_id(self, logical_id: str) -> Any:
        """What ``Ref`` returns for a resource of the template (a name, an id, a URL or an ARN)."""
        return self.deployment.physical.ref(logical_id)

    def attribute(self, logical_id: str, attribute: str) -> Any:
        """What ``Fn::GetAtt`` returns for a resource of the template."""
        return self.deployment.physical.get_att(logical_id, attribute)

    def create_table(
        self,
        name: str,
        *,
        items: int = 0,
        tags: Mapping[str, str] | None = None,
        region: str | None = None,
    ) -> str:
        """A DynamoDB table keyed on ``pk`` holding ``items`` items (``item-00000``..., ``n`` = i),
        tagged after creation (so, like a person tagging it, a Tag Change on Resource event is sent).

        Returns the table's ARN. Tests, the demo and the benchmarks share this seed.
        """
        ddb = self.client("dynamodb", region=region)
        arn: str = ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["TableArn"]
        for start in range(0, items, 25):
            batch = [
                {"PutRequest": {"Item": {"pk": {"S": f"item-{i:05d}"}, "n": {"N": str(i)}}}}
                for i in range(start, min(start + 25, items))
            ]
            ddb.batch_write_item(RequestItems={name: batch})
        if tags:
            ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return arn

    def client(self, service: str, region: str | None = None, account: str | None = None) -> Any:
        """A boto3 client into the sandbox (the stack's account and Region unless told otherwise)."""
        key = (service, region or self.region, account or self.account_id)
        if key not in self._clients:
            client = _new_client(service, region_name=key[1])
            if key[2] != DEFAULT_ACCOUNT_ID:
                client.meta.events.register("before-sign.*.*", _account_header(key[2]))
            self._clients[key] = client
        return self._clients[key]

    def backup_backend(self, region: str | None = None, account: str | None = None) -> SandboxBackupBackend:
        """The extended AWS Backup backend (e.g. ``plan_next_window(plan_id)``) of an account/Region."""
        return cast("SandboxBackupBackend", backend_for(account or self.account_id, region or self.region))

    # -- time -------------------------------------------------------------------------------------
    def advance(self, seconds: float) -> int:
        """Move simulated time forward, running everything that falls due; returns timers run."""
        return self.clock.advance(seconds)

    def advance_to(self, when: dt.datetime) -> int:
        return self.clock.advance_to(when)

    def settle(self) -> int:
        """Run everything due now (queued invocations, polls) without moving time."""
        return self.clock.settle()

    # -- what happened ----------------------------------------------------------------------------
    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event that entered a bus, in order (the AWS envelope plus ``_bus``)."""
        return [recorded.event for recorded in self._events]

    @property
    def recorded_events(self) -> list[RecordedEvent]:
        return list(self._events)

    @property
    def invocations(self) -> list[Invocation]:
        return list(self.router.invocations)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """Messages sent to people: every SNS publish (``Subject``, ``Message``, ``TopicArn`` ...)."""
        return [notification.to_dict() for notification in self.router.notifications]

    def invoke(self, logical_id: str, event: Any) -> Invocation:
        """Invoke a function synchronously with its real environment; the record says how it went."""
        return self.router.invoke(logical_id, event)

    def timeline(self) -> list[str]:
        """One readable line per event, invocation, notification and schedule firing, in time order."""
        router = self.router
        entries = [(r.time, r.seq, _event_line(r.event)) for r in self._events]
        entries += [(i.started, i.seq, _invocation_line(i)) for i in router.invocations]
        entries += [
            (n.time, n.seq, f"{n.channel:<9} {_short(n.target)}: {_first_line(n)}")
            for n in router.notifications
        ]
        entries += [
            (f.time, f.seq, f"schedule  {f.kind} {f.name} fired ({f.expression})") for f in router.firings
        ]
        return [
            f"{when:%Y-%m-%d %H:%M:%S}  {text}"
            for when, _, text in sorted(entries, key=lambda e: (e[0], e[1]))
        ]


def _put_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _event_line(event: dict[str, Any]) -> str:
    detail = event.get("detail") or {}
    facts = [str(detail[key]) for key in ("state", "status") if isinstance(detail, dict) and key in detail]
    if isinstance(detail, dict) and detail.get("resourceArn"):
        facts.append(_short(str(detail["resourceArn"])))
    if isinstance(detail, dict) and detail.get("changed-tag-keys"):
        facts.append("tags " + ",".join(detail["changed-tag-keys"]))
    if not facts and event.get("resources"):
        facts.append(_short(str(event["resources"][0])))
    if isinstance(detail, dict) and detail.get("statusMessage"):
        facts.append(repr(detail["statusMessage"]))
    summary = f" [{' '.join(facts)}]" if facts else ""
    return (
        f"event     {event.get('source')}: {event.get('detail-type')}{summary} (bus {event.get('_bus', '?')})"
    )


def _invocation_line(invocation: Invocation) -> str:
    outcome = invocation.outcome
    if invocation.error:
        outcome += f" {invocation.error}"
    elif invocation.failed_items:
        outcome += f" ({len(invocation.failed_items)} item(s) left for retry)"
    return (
        f"invoke    {invocation.function} <- {invocation.trigger} (attempt {invocation.attempt}): "
        f"{outcome} [{invocation.duration_ms:.1f} ms]"
    )


def _first_line(notification: Notification) -> str:
    text = notification.subject or (notification.message.splitlines() or [""])[0]
    return text if len(text) <= 100 else text[:97] + "..."


#: boto3.client without the per-service overloads of boto3-stubs (the service is a parameter here)
_new_client: Any = boto3.client


def _account_header(account: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account

    return add_header
