"""Backup selections: Create/Get/List/DeleteBackupSelection, and DeleteBackupPlan's guard on them.

* At most :data:`MAX_SELECTIONS_PER_PLAN` (100, not adjustable) selections per plan:
  LimitExceededException. Document limits (ARNs, conditions, tags) are in ``selection_eval``.
* ``CreatorRequestId`` makes the call idempotent: the same id with the same document returns the
  selection created first. The same id with a DIFFERENT document is refused with
  AlreadyExistsException (an assumption: the model lists that error and AWS documents nothing more).
* Selection names need not be unique in a plan (UNVERIFIED, fact sheet 8): CloudFormation replaces
  a selection by creating the new one, with the same name, before deleting the old one.
* A plan that still has selections cannot be deleted (InvalidRequestException, as AWS answers).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import (
    AlreadyExistsException,
    InvalidRequestException,
    LimitExceededException,
    ResourceNotFoundException,
)
from sandbox.backup.paging import paginate
from sandbox.backup.records import Selection
from sandbox.backup.selection_eval import validate_creator_request_id, validate_selection
from sandbox.backup.state import new_id, utcnow

if TYPE_CHECKING:
    from moto.backup.models import Plan

    from sandbox.backup.state import BackupState

MAX_SELECTIONS_PER_PLAN = 100


class Selections:
    """Backup selections (resource assignments) of the plans of one account and Region."""

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def live_plan(self, plan_id: str) -> Plan:
        plan = self.state.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            raise ResourceNotFoundException(f"Backup plan {plan_id} not found")
        return plan

    def plan_selections(self, plan_id: str) -> list[Selection]:
        """The plan's selections, oldest first."""
        return [s for s in self.state.selections.values() if s.plan_id == plan_id]

    def create_backup_selection(
        self, plan_id: str, document: dict[str, Any], creator_request_id: str | None
    ) -> Selection:
        self.live_plan(plan_id)
        validate_creator_request_id(creator_request_id)
        validate_selection(document)
        existing = self._by_creator_request_id(plan_id, creator_request_id)
        if existing is not None:
            if existing.selection != document:
                raise AlreadyExistsException(
                    f"A selection was already created with CreatorRequestId {creator_request_id}"
                )
            return existing
        if len(self.plan_selections(plan_id)) >= MAX_SELECTIONS_PER_PLAN:
            raise LimitExceededException(
                f"Backup plan {plan_id} already has {MAX_SELECTIONS_PER_PLAN} selections (the maximum)"
            )
        selection = Selection(
            selection_id=new_id().lower(),
            plan_id=plan_id,
            selection=copy.deepcopy(document),
            creator_request_id=creator_request_id,
            creation_date=utcnow(),
        )
        self.state.selections[selection.selection_id] = selection
        return selection

    def _by_creator_request_id(self, plan_id: str, creator_request_id: str | None) -> Selection | None:
        if creator_request_id is None:
            return None
        return next(
            (s for s in self.plan_selections(plan_id) if s.creator_request_id == creator_request_id), None
        )

    def get_backup_selection(self, plan_id: str, selection_id: str) -> Selection:
        self.live_plan(plan_id)
        selection = self.state.selections.get(selection_id)
        if selection is None or selection.plan_id != plan_id:
            raise ResourceNotFoundException(f"Selection {selection_id} not found in backup plan {plan_id}")
        return selection

    def list_backup_selections(
        self, plan_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[Selection], str | None]:
        self.live_plan(plan_id)
        return paginate(self.plan_selections(plan_id), max_results, next_token)

    def delete_backup_selection(self, plan_id: str, selection_id: str) -> None:
        selection = self.get_backup_selection(plan_id, selection_id)
        del self.state.selections[selection.selection_id]

    def check_plan_deletable(self, backup_plan_id: str) -> None:
        """A plan that still has selections is not deleted (moto's DeleteBackupPlan)."""
        if backup_plan_id in self.state.plans and self.plan_selections(backup_plan_id):
            raise InvalidRequestException(
                "Related backup plan selections must be deleted prior to backup plan deletion"
            )
