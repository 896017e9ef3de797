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
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
from moto import mock_aws

from sandbox import eventbus, faults, iam_enforcement, process_env, retry_sleeps, runtime, timeline
from sandbox.backup import selection_eval
from sandbox.backup.install import install as install_backup
from sandbox.backup.state import backend_for
from sandbox.clock import SimClock
from sandbox.cloudwatch import CloudWatch
from sandbox.deploy import Deployment, deploy
from sandbox.faults import FAULTS, FaultInjector
from sandbox.lambda_service import Invocation, Router, next_sequence
from sandbox.resources import adapter_for_type, fsx, tagevents, validation
from sandbox.resources.dynamodb import DynamoDBAdapter
from sandbox.slack import PARAMETER as SLACK_PARAMETER
from sandbox.slack import SlackWebhook, render_post
from sandbox.template import StackContext, Template, load_yaml, read_samconfig
from sandbox.timeline import RecordedEvent

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from sandbox.backup.backend import SandboxBackupBackend
    from sandbox.delivery import DeliveryRecord

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
        The DR side's template, deployed after the main stack into the ``DrRegion`` of the same
        account as stack ``<stack>-dr``, with ``VaultName`` = the main stack's ``DrVaultName`` and
        ``SourceBackupRoleArns`` = the main stack's ``BackupServiceRoleArn`` output (and
        ``SourceAccountIds`` = the account, when the template declares it); skipped when the file
        does not exist; ``None`` skips it.
    negated_conditions:
        ``"match_missing"`` or ``"require_tag"``: see ``selection_eval.set_negated_conditions``.
    realistic:
        AWS's best-effort delivery (``FAULTS.realistic()``, ``sandbox.delivery``): every ``aws.*``
        event 0-5 simulated minutes late, 2 % twice, 1 % never; seeded.
    alarms_start:
        The state the stack's CloudWatch alarms start in (``sandbox.cloudwatch``): ``"OK"``, a stack
        deployed a while ago (no message until something breaks), or ``"INSUFFICIENT_DATA"``, as
        AWS starts a new alarm (its first evaluation to OK sends its OKActions: one message each).
    iam:
        Authorise the functions' AWS Backup, EventBridge, SNS, tagging and PassRole requests against
        their roles' policies and the event bus's policy (``sandbox.iam_enforcement``; ``sb.iam``).
    before_deploy:
        Called once the world runs and before the stack is deployed (``sb.client`` works): creates
        what must exist first (another team's backup plan) and returns parameter overrides (its id).
    """

    def __init__(
        self,
        template: str | Path = "template.yaml",
        config_env: str = "sandbox",
        start: dt.datetime | None = None,
        *,
        parameters: Mapping[str, str] | None = None,
        dr_template: str | Path | None = DR_TEMPLATE,
        negated_conditions: str = "match_missing",
        realistic: bool = False,
        slack: bool = True,
        alarms_start: str = "OK",
        iam: bool = True,
        before_deploy: Callable[[Sandbox], Mapping[str, str]] | None = None,
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
        self._negated_conditions = negated_conditions
        self.realistic = realistic
        #: the Slack incoming webhook (started when the template has a SlackWebhookSecretArn parameter)
        self.slack = SlackWebhook()
        self._slack_enabled = slack
        self._alarms_start = alarms_start
        self._cloudwatch: CloudWatch | None = None
        self._iam_enabled = iam
        self._before_deploy = before_deploy
        self._iam: iam_enforcement.Enforcer | None = None

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
            # what exists before the stack (another team's plan and vault): its parameters too
            prepared = dict(self._before_deploy(self)) if self._before_deploy else {}
            template = Template(
                self.template_path,
                context=StackContext(self.account_id, self.region, self.stack_name),
                parameter_overrides={**self._start_slack(undo), **self._parameters, **prepared},
            )
            self._deployment = deploy(template, self.client)
            # after the main stack: the DR vault's access policy names the main stack's backup role
            self._deploy_dr_side(template)
            self._start_iam(undo)
            self._router = Router(self._deployment, self.clock, self.client).start()
            undo.callback(self._router.stop)
            for other in self.stacks.values():  # their functions run when invoked (Lambda's Invoke)
                self._router.add_stack(other)
            self._cloudwatch = CloudWatch(
                self.clock,
                self.client,
                account=self.account_id,
                region=self.region,
                alarms_start=self._alarms_start,
                sequence=next_sequence,
            ).start()
            self._router.containers.observers.append(self._cloudwatch.on_invocation)
            undo.callback(self._cloudwatch.stop)
            self.slack.listener = self._record_slack_post
        except BaseException:
            undo.close()
            raise
        self._undo = undo
        return self

    def _start_world(self, undo: contextlib.ExitStack) -> None:
        process_env.set_env(undo, "AWS_DEFAULT_REGION", self.region)
        process_env.set_env(undo, "AWS_CONFIG_FILE", str(process_env.write_aws_config(undo)))
        process_env.set_env(undo, "AWS_PROFILE", None)  # never a real account's profile inside
        self.clock.start()
        undo.callback(self.clock.stop)
        runtime.set_clock(self.clock)
        undo.callback(runtime.set_clock, None)
        self._mock.start()
        undo.callback(self._mock.stop)
        eventbus.install()
        faults.install()
        retry_sleeps.install()
        undo.callback(FAULTS.clear)
        FAULTS.delivery.sequence = next_sequence  # delivery records interleave with the timeline
        if self.realistic:
            FAULTS.realistic()
        install_backup()
        selection_eval.set_negated_conditions(self._negated_conditions)
        undo.callback(selection_eval.set_negated_conditions, "match_missing")
        tagevents.install()
        validation.install()  # names and tags AWS refuses are refused (sandbox/resources/validation.py)
        fsx.install()  # FSx file systems described with their Lifecycle, as AWS describes them
        tagevents.reset()  # a new world: every type emits tag events, versions start again
        dynamodb = adapter_for_type("DynamoDB")
        if isinstance(dynamodb, DynamoDBAdapter):
            dynamodb.reset()  # a new world: advanced DynamoDB backup is off again (AWS's default)
        eventbus.add_observer(self._observe)
        undo.callback(eventbus.clear_observers)

    def _start_slack(self, undo: contextlib.ExitStack) -> dict[str, str]:
        """Start the Slack webhook and keep its URL in a secret, when the template takes one (its
        ``SlackWebhookSecretArn`` parameter, unless given): the stack's parameter override."""
        declared = load_yaml(self.template_path).get("Parameters") or {}
        if not self._slack_enabled or SLACK_PARAMETER not in declared or SLACK_PARAMETER in self._parameters:
            return {}
        self.slack.start()
        undo.callback(self.slack.stop)
        no_proxy = ",".join(p for p in (os.environ.get("NO_PROXY"), "127.0.0.1", "localhost") if p)
        process_env.set_env(undo, "NO_PROXY", no_proxy)  # the webhook is local, whatever the machine's proxy
        arn = self.client("secretsmanager").create_secret(
            Name=f"{self.stack_name}/slack-webhook",
            Description="Slack incoming webhook URL (the sandbox's own webhook)",
            SecretString=self.slack.url,
        )["ARN"]
        return {SLACK_PARAMETER: str(arn)}

    def _record_slack_post(self, payload: dict[str, Any]) -> None:
        """An accepted Slack post becomes a notification (``Channel`` ``slack``), as people saw it."""
        self.router.record_notification(
            "slack",
            f"slack:{self.slack.channel}",
            render_post(payload, self.clock.now(), self.slack.channel),
            subject=str(payload.get("text") or "") or None,
            attributes={"blocks": payload.get("blocks") or []},
        )

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

    def deploy_stack(
        self,
        template: str | Path,
        *,
        stack_name: str,
        region: str | None = None,
        account: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> Deployment:
        """Deploy another template into any account and Region; its functions run when invoked
        through the Lambda API (``Invoke``), their triggers are not wired."""
        region, account = region or self.region, account or self.account_id
        stack = Template(
            template, context=StackContext(account, region, stack_name), parameter_overrides=parameters
        )
        deployment = deploy(stack, lambda service: self.client(service, region=region, account=account))
        if deployment.functions:
            deployment.warn(
                f"{stack_name}: functions of stacks other than the main one run only when invoked "
                "through the Lambda API (their rules, schedules and queues are not wired)"
            )
            if self._router is not None:
                self._router.add_stack(deployment)
        self.stacks[stack_name] = deployment
        return deployment

    def _deploy_dr_side(self, main: Template) -> None:
        dr_region = main.parameters.get("DrRegion")
        if self._dr_template is None or not self._dr_template.exists() or not dr_region:
            return
        wanted = {
            "VaultName": main.parameters.get("DrVaultName"),
            "SourceAccountIds": self.account_id,
            "SourceBackupRoleArns": self.deployment.outputs.get("BackupServiceRoleArn"),
        }
        declared = load_yaml(self._dr_template).get("Parameters") or {}
        parameters = {name: str(value) for name, value in wanted.items() if name in declared and value}
        self.deploy_stack(
            self._dr_template,
            stack_name=f"{self.stack_name}-dr",
            region=str(dr_region),
            parameters=parameters,
        )

    def _start_iam(self, undo: contextlib.ExitStack) -> None:
        self._iam = iam_enforcement.Enforcer.for_deployment(
            self.deployment, self.account_id, self._iam_enabled
        )
        iam_enforcement.activate(self._iam)
        undo.callback(iam_enforcement.activate, None)

    @property
    def iam(self) -> iam_enforcement.Enforcer:
        """IAM enforcement (``enabled``, ``denials``, ``decisions``, ``acting_as``, ``disabled``)."""
        if self._iam is None:
            raise RuntimeError("the sandbox is not started")
        return self._iam

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
    def cloudwatch(self) -> CloudWatch:
        """The stack's metrics and alarms (``sandbox.cloudwatch``): ``alarm_states()``, ``history``,
        ``metrics``, ``total(namespace, name, **dimensions)``."""
        if self._cloudwatch is None:
            raise RuntimeError("the sandbox is not started")
        return self._cloudwatch

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
    def delivery_log(self) -> list[DeliveryRecord]:
        """What the delivery faults did to AWS events, in order (``sandbox.delivery``)."""
        return list(FAULTS.delivery.log)

    def dropped_events(self) -> list[dict[str, Any]]:
        """The AWS events that never arrived (a dropped event is never in :attr:`events`)."""
        return [record.event for record in FAULTS.delivery.log if record.action == "dropped"]

    @property
    def invocations(self) -> list[Invocation]:
        return list(self.router.invocations)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """Messages sent to people: every SNS publish (``Channel`` ``sns``: ``Subject``, ``Message``,
        ``TopicArn`` ...) and every accepted Slack post (``Channel`` ``slack``: ``Subject`` is the
        post's notification text, ``Message`` the post as the channel shows it, ``TopicArn`` the
        channel, ``MessageAttributes`` its Block Kit ``blocks``)."""
        return [notification.to_dict() for notification in self.router.notifications]

    def invoke(self, logical_id: str, event: Any) -> Invocation:
        """Invoke a function synchronously with its real environment; the record says how it went."""
        return self.router.invoke(logical_id, event)

    def timeline(self) -> list[str]:
        """One readable line per event, invocation, notification and schedule firing, in time order."""
        return timeline.lines(
            events=self._events,
            deliveries=FAULTS.delivery.log,
            router=self.router,
            cloudwatch=self._cloudwatch,
        )


#: boto3.client without the per-service overloads of boto3-stubs (the service is a parameter here)
_new_client: Any = boto3.client


def _account_header(account: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account

    return add_header
