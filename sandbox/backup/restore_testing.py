"""Restore testing: the plans and selections (Create/Get/List/Update/Delete) and their runs.

A service over ``restores`` (the jobs it starts) and the recovery points of the shared state; its
state is ``state.restore_testing_plans`` (selections inside), ``restore_testing_schedules`` and
``restore_tests``. What a document may hold is in ``restore_testing_eval``; what happens to the
resources the jobs restore (tag, validation window, deletion) in ``restore_test_cleanup``.

The API (errors as the botocore model declares them):

* at most :data:`MAX_PLANS` plans per account and Region and :data:`MAX_SELECTIONS_PER_PLAN`
  selections per plan (LimitExceededException, fact sheet 4); at most 50 tags per plan;
* a name already used: AlreadyExistsException; the same ``CreatorRequestId`` again with the same
  document returns what it created, with another document ConflictException (UNVERIFIED);
* an unknown plan or selection: ResourceNotFoundException;
* DeleteRestoreTestingPlan of a plan that still has selections: InvalidRequestException, the only
  error the model declares for it besides ServiceUnavailableException ("all associated selections
  must be deleted first", fact sheet 2.7); an unknown plan there: ResourceNotFoundException
  (undeclared by the model: the sandbox's choice);
* the plan's ARN is ``arn:aws:backup:<region>:<account>:restore-testing-plan:<name>-<id>``.

A run (fact sheet 6), at each occurrence of the plan's cron in its time zone (the plan's clock
timer, :meth:`RestoreTesting.run_plan`):

1. for each selection (oldest first), each protected resource of its type (one with a recovery
   point here) that the selection picks, on the tags of its latest recovery point
   (``selection_picks``), gets ONE eligible point (``eligible_points``/``choose_point``); a resource
   with none is skipped, a resource picked by an earlier selection is not picked again;
2. each test starts at its own random moment of the plan's start window (seeded by plan and run):
   a restore job of that point with the inferred metadata, new ``awsbackup-restore-test-`` names
   and the selection's overrides (``restore_test_metadata``), the selection's IAM role, and
   ``CreatedBy.RestoreTestingPlanArn`` (its events carry ``restoreTestingPlanArn``);
3. at most :data:`CONCURRENCY_QUOTAS` restore-testing jobs of a type run at once (fact sheet 4): a
   test beyond it retries every :data:`RETRY_SECONDS`; still blocked when the start window closes,
   it becomes a FAILED job with AWS's message :data:`START_WINDOW_MESSAGE`.

Restore jobs carry no "restore type" in the API; the console's "Test" is ``CreatedBy``'s plan ARN.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError

from sandbox import runtime
from sandbox.backup.errors import (
    AlreadyExistsException,
    ConflictException,
    InvalidRequestException,
    LimitExceededException,
    ResourceNotFoundException,
)
from sandbox.backup.paging import paginate
from sandbox.backup.plan_schedule import next_window
from sandbox.backup.records import RestoreTestingPlan, RestoreTestingSelection, RestoreTestJob
from sandbox.backup.restore_testing_eval import (
    choose_point,
    eligible_points,
    plan_document,
    restore_test_metadata,
    selection_document,
    selection_picks,
    updated_plan,
    updated_selection,
)
from sandbox.backup.selection_eval import validate_creator_request_id
from sandbox.backup.state import new_id, utcnow
from sandbox.resources import restore_test_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sandbox.backup.records import RecoveryPoint
    from sandbox.backup.restores import Restores
    from sandbox.backup.state import BackupState
    from sandbox.clock import SimClock

LOG = logging.getLogger(__name__)

MAX_PLANS = 100
MAX_SELECTIONS_PER_PLAN = 30
MAX_PLAN_TAGS = 50
#: concurrent restore-testing jobs per resource type (fact sheet 4; mostly adjustable in AWS)
CONCURRENCY_QUOTAS: dict[str, int] = {
    "Aurora": 40,
    "DocumentDB": 40,
    "DynamoDB": 40,
    "EBS": 100,
    "EC2": 100,
    "EFS": 30,
    "FSx": 40,
    "Neptune": 40,
    "RDS": 40,
    "S3": 30,
}
#: how often a test held back by its type's quota tries again (AWS's pace is UNVERIFIED)
RETRY_SECONDS = 600
#: the failure of a test that could not start in its window (fact sheet 4: the documented text)
START_WINDOW_MESSAGE = "Restore job was unable to start within the specified start window."
_RUNNING = {"PENDING", "RUNNING"}


def plan_view(plan: RestoreTestingPlan) -> dict[str, Any]:
    """RestoreTestingPlanForGet / RestoreTestingPlanForList fields (the serializer keeps each shape's own)."""
    view = {
        **plan.document,
        "RestoreTestingPlanArn": plan.arn,
        "CreationTime": plan.creation_time,
        "CreatorRequestId": plan.creator_request_id,
        "LastExecutionTime": plan.last_execution_time,
        "LastUpdateTime": plan.last_update_time,
    }
    return {key: value for key, value in view.items() if value is not None}


def selection_view(selection: RestoreTestingSelection) -> dict[str, Any]:
    """RestoreTestingSelectionForGet / RestoreTestingSelectionForList fields."""
    view = {
        **selection.document,
        "RestoreTestingPlanName": selection.plan_name,
        "CreationTime": selection.creation_time,
        "CreatorRequestId": selection.creator_request_id,
    }
    return {key: value for key, value in view.items() if value is not None}


class RestoreTesting:
    """Restore testing plans and selections of one account and Region, and their runs.

    ``tag_resource`` tags the plan's ARN (moto's ``TagResource``, so ``ListTags`` reads them).
    """

    def __init__(
        self, state: BackupState, *, restores: Restores, tag_resource: Callable[[str, dict[str, str]], None]
    ) -> None:
        self.state = state
        self._restores = restores
        self._tag_resource = tag_resource

    # -- plans -----------------------------------------------------------------------------------
    def create_restore_testing_plan(
        self, document: dict[str, Any], creator_request_id: str | None, tags: dict[str, str] | None
    ) -> RestoreTestingPlan:
        stored = plan_document(document)
        validate_creator_request_id(creator_request_id)
        plans = self.state.restore_testing_plans
        replayed = self._by_request_id(plans.values(), creator_request_id, stored)
        if replayed is not None:
            return replayed
        name = stored["RestoreTestingPlanName"]
        if name in plans:
            raise AlreadyExistsException(f"A restore testing plan named {name} already exists")
        if len(plans) >= MAX_PLANS:
            raise LimitExceededException(f"An account can have at most {MAX_PLANS} restore testing plans")
        if tags and len(tags) > MAX_PLAN_TAGS:
            raise LimitExceededException(f"A restore testing plan can have at most {MAX_PLAN_TAGS} tags")
        state = self.state
        arn = (
            f"arn:{state.partition}:backup:{state.region_name}:{state.account_id}:restore-testing-plan:"
            f"{name}-{new_id().lower()}"
        )
        plan = RestoreTestingPlan(
            name=name, arn=arn, document=stored, creation_time=utcnow(), creator_request_id=creator_request_id
        )
        plans[name] = plan
        if tags:
            self._tag_resource(arn, dict(tags))
        if runtime.has_clock():
            self.schedule_plans()
        return plan

    @staticmethod
    def _by_request_id[R: (RestoreTestingPlan, RestoreTestingSelection)](
        records: Iterable[R], creator_request_id: str | None, stored: dict[str, Any]
    ) -> R | None:
        if creator_request_id is None:
            return None
        for record in records:
            if record.creator_request_id == creator_request_id:
                if record.document != stored:
                    raise ConflictException(
                        f"CreatorRequestId {creator_request_id} was already used with other parameters"
                    )
                return record
        return None

    def get_restore_testing_plan(self, name: str) -> RestoreTestingPlan:
        plan = self.state.restore_testing_plans.get(name)
        if plan is None:
            raise ResourceNotFoundException(f"Restore testing plan {name} not found")
        return plan

    def list_restore_testing_plans(
        self, max_results: int | None, next_token: str | None
    ) -> tuple[list[RestoreTestingPlan], str | None]:
        return paginate(list(self.state.restore_testing_plans.values()), max_results, next_token)

    def update_restore_testing_plan(self, name: str, update: dict[str, Any]) -> RestoreTestingPlan:
        plan = self.get_restore_testing_plan(name)
        plan.document = updated_plan(plan.document, update)
        plan.last_update_time = utcnow()
        self._unschedule(name)
        if runtime.has_clock():
            self.schedule_plans()
        return plan

    def delete_restore_testing_plan(self, name: str) -> None:
        plan = self.get_restore_testing_plan(name)
        if plan.selections:
            raise InvalidRequestException(
                f"Restore testing plan {name} still has selections: delete every restore testing selection "
                "of the plan before the plan"
            )
        del self.state.restore_testing_plans[name]
        self._unschedule(name)

    # -- selections ------------------------------------------------------------------------------
    def create_restore_testing_selection(
        self, plan_name: str, document: dict[str, Any], creator_request_id: str | None
    ) -> RestoreTestingSelection:
        plan = self.get_restore_testing_plan(plan_name)
        stored = selection_document(document)
        validate_creator_request_id(creator_request_id)
        replayed = self._by_request_id(plan.selections.values(), creator_request_id, stored)
        if replayed is not None:
            return replayed
        name = stored["RestoreTestingSelectionName"]
        if name in plan.selections:
            raise AlreadyExistsException(
                f"Restore testing plan {plan_name} already has a selection named {name}"
            )
        if len(plan.selections) >= MAX_SELECTIONS_PER_PLAN:
            raise LimitExceededException(
                f"A restore testing plan can have at most {MAX_SELECTIONS_PER_PLAN} selections"
            )
        selection = RestoreTestingSelection(
            name=name,
            plan_name=plan_name,
            document=stored,
            creation_time=utcnow(),
            creator_request_id=creator_request_id,
        )
        plan.selections[name] = selection
        return selection

    def get_restore_testing_selection(self, plan_name: str, name: str) -> RestoreTestingSelection:
        selection = self.get_restore_testing_plan(plan_name).selections.get(name)
        if selection is None:
            raise ResourceNotFoundException(f"Restore testing selection {name} not found in plan {plan_name}")
        return selection

    def list_restore_testing_selections(
        self, plan_name: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[RestoreTestingSelection], str | None]:
        plan = self.get_restore_testing_plan(plan_name)
        return paginate(list(plan.selections.values()), max_results, next_token)

    def update_restore_testing_selection(
        self, plan_name: str, name: str, update: dict[str, Any]
    ) -> tuple[RestoreTestingSelection, dt.datetime]:
        selection = self.get_restore_testing_selection(plan_name, name)
        selection.document = updated_selection(selection.document, update)
        return selection, utcnow()

    def delete_restore_testing_selection(self, plan_name: str, name: str) -> None:
        self.get_restore_testing_selection(plan_name, name)
        del self.state.restore_testing_plans[plan_name].selections[name]

    # -- the schedule ----------------------------------------------------------------------------
    def schedule_plans(self) -> None:
        """Schedule every plan's runs on the running clock (idempotent)."""
        clock = runtime.clock()
        schedules = self.state.restore_testing_schedules
        for name, plan in self.state.restore_testing_plans.items():
            scheduled = schedules.get(name)
            if scheduled is not None and scheduled[0] is clock:
                continue
            schedules[name] = (clock, self._schedule(clock, plan))

    def _schedule(self, clock: SimClock, plan: RestoreTestingPlan) -> Callable[[], None]:
        expression = plan.document["ScheduleExpression"]
        timezone = plan.document["ScheduleExpressionTimezone"]
        name = plan.name

        def next_run(now: dt.datetime) -> dt.datetime:
            return next_window(expression, timezone, now)

        def run() -> None:
            self.run_plan(name)

        return clock.every(next_run, run, label=f"restore testing plan {name}")

    def _unschedule(self, name: str) -> None:
        _, cancel = self.state.restore_testing_schedules.pop(name, (None, None))
        if cancel is not None:
            cancel()

    def plan_next_run(self, name: str) -> dt.datetime:
        """When the plan runs next (its cron in its time zone)."""
        self.schedule_plans()
        document = self.get_restore_testing_plan(name).document
        return next_window(
            document["ScheduleExpression"], document["ScheduleExpressionTimezone"], runtime.clock().now()
        )

    # -- a run -----------------------------------------------------------------------------------
    def run_plan(self, name: str) -> list[tuple[str, str]]:
        """Pick now what the plan tests and schedule each test's start in the start window.

        Returns ``(resource ARN, recovery point ARN)`` of every test scheduled.
        """
        plan = self.state.restore_testing_plans.get(name)
        if plan is None:
            return []
        now = runtime.clock().now()
        plan.last_execution_time = now
        rng = random.Random(f"{plan.arn}|{now.isoformat()}")
        selection_doc = plan.document["RecoveryPointSelection"]
        picked: dict[str, tuple[RestoreTestingSelection, RecoveryPoint]] = {}
        for selection in list(plan.selections.values()):
            for resource_arn, points in self._protected(selection.document["ProtectedResourceType"]).items():
                latest = max(points, key=lambda point: point.creation_date)
                if resource_arn in picked or not selection_picks(
                    selection.document, resource_arn, latest.tags
                ):
                    continue
                eligible = eligible_points(points, selection_doc, now)
                if eligible:
                    picked[resource_arn] = (
                        selection,
                        choose_point(eligible, selection_doc["Algorithm"], rng),
                    )
        window = dt.timedelta(hours=plan.document["StartWindowHours"])
        deadline = now + window
        clock = runtime.clock()
        for selection, point in picked.values():
            clock.call_later(
                # whole seconds: a restore job's dates then sit on the millisecond grid AWS's API
                # reports them on (a float offset made a 150 s restore read 150.001 s, now and then)
                rng.randrange(max(1, int(window.total_seconds()))),
                self._starter(plan, selection, point.arn, deadline),
                label=f"restore test of {point.resource_arn} ({plan.name})",
            )
        return [(arn, point.arn) for arn, (_, point) in picked.items()]

    def _protected(self, resource_type: str) -> dict[str, list[RecoveryPoint]]:
        """Protected resources of one type here: their recovery points, by resource ARN."""
        points: dict[str, list[RecoveryPoint]] = {}
        for point in self.state.recovery_points.values():
            if point.resource_type == resource_type:
                points.setdefault(point.resource_arn, []).append(point)
        return dict(sorted(points.items()))

    def _starter(
        self,
        plan: RestoreTestingPlan,
        selection: RestoreTestingSelection,
        point_arn: str,
        deadline: dt.datetime,
    ) -> Callable[[], None]:
        """The start of one test, frozen as the run decided it (the selection's role and overrides)."""
        document = dict(selection.document)
        resource_type = document["ProtectedResourceType"]

        def start() -> None:
            if self.state.restore_testing_plans.get(plan.name) is not plan:
                return  # the plan was deleted meanwhile: its run ends (UNVERIFIED)
            point = self.state.recovery_points.get(point_arn)
            if point is None or point.status != "COMPLETED":
                return  # the point went away before its test started: nothing to test
            now = runtime.clock().now()
            if self._running_tests(resource_type) >= CONCURRENCY_QUOTAS.get(resource_type, 40):
                retry_at = now + dt.timedelta(seconds=RETRY_SECONDS)
                if retry_at < deadline:
                    runtime.clock().call_at(
                        retry_at, start, label=f"restore test of {point.resource_arn}: retry"
                    )
                elif now < deadline:
                    runtime.clock().call_at(
                        deadline, start, label=f"restore test of {point.resource_arn}: last try"
                    )
                else:
                    self._failed_to_start(plan, document, point, START_WINDOW_MESSAGE)
                return
            self._start(plan, selection.name, document, point)

        return start

    def _running_tests(self, resource_type: str) -> int:
        return sum(
            1
            for job in self.state.restore_jobs.values()
            if job.resource_type == resource_type
            and job.status in _RUNNING
            and job.created_by.get("RestoreTestingPlanArn")
        )

    @staticmethod
    def _metadata(document: dict[str, Any], point: RecoveryPoint) -> dict[str, str]:
        capture = point.capture
        return restore_test_metadata(
            capture.inferred_metadata,
            capture.restore_metadata,
            document.get("RestoreMetadataOverrides") or {},
            lambda: restore_test_name(new_id()),
        )

    def _start(
        self, plan: RestoreTestingPlan, selection_name: str, document: dict[str, Any], point: RecoveryPoint
    ) -> None:
        metadata = self._metadata(document, point)
        try:
            job = self._restores.start_restore_job(
                recovery_point_arn=point.arn,
                metadata=metadata,
                iam_role_arn=document["IamRoleArn"],
                resource_type=point.resource_type,
                created_by={"RestoreTestingPlanArn": plan.arn},
            )
        except JsonRESTError as error:  # a restore AWS refuses to start: the test fails with its reason
            LOG.warning("restore test of %s not started: %s", point.resource_arn, error.description)
            self._failed_to_start(plan, document, point, str(error.message))
            return
        self.state.restore_tests[job.job_id] = RestoreTestJob(
            job_id=job.job_id,
            plan_name=plan.name,
            selection_name=selection_name,
            validation_window_hours=int(document.get("ValidationWindowHours") or 0),
        )

    def _failed_to_start(
        self, plan: RestoreTestingPlan, document: dict[str, Any], point: RecoveryPoint, message: str
    ) -> None:
        self._restores.failed_to_start(
            recovery_point_arn=point.arn,
            metadata=self._metadata(document, point),
            iam_role_arn=document["IamRoleArn"],
            created_by={"RestoreTestingPlanArn": plan.arn},
            message=message,
        )
