"""Request handlers of restore testing: a mixin of ``responses.SandboxBackupResponse`` (no logic).

Each handler parses its parameters (model member names, ``automated_parameter_parsing``), calls
``restore_testing.<operation>`` of the request's backend and shapes the result
(``restore_testing.plan_view``/``selection_view``). Kept apart from ``responses`` so that module stays
short; it reaches the response class only through the :class:`_Handler` protocol (no import back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from moto.core.responses import ActionResult, EmptyResult

from sandbox.backup.restore_testing import plan_view, selection_view

if TYPE_CHECKING:
    from sandbox.backup.restore_testing import RestoreTesting


class _Services(Protocol):
    @property
    def restore_testing(self) -> RestoreTesting: ...


class _Handler(Protocol):
    """What the mixin's handlers use of ``responses.SandboxBackupResponse``."""

    @property
    def services(self) -> _Services: ...

    def _get_param(self, param_name: str, if_none: Any = None) -> Any: ...

    def _paging(self) -> tuple[int | None, str | None]: ...


def _page(key: str, items: list[Any], token: str | None) -> ActionResult:
    result: dict[str, Any] = {key: items}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


class RestoreTestingResponses:
    """Create/Get/List/Update/DeleteRestoreTestingPlan and -Selection."""

    def create_restore_testing_plan(self: _Handler) -> ActionResult:
        plan = self.services.restore_testing.create_restore_testing_plan(
            self._get_param("RestoreTestingPlan") or {},
            self._get_param("CreatorRequestId"),
            self._get_param("Tags"),
        )
        return ActionResult(
            {
                "RestoreTestingPlanArn": plan.arn,
                "RestoreTestingPlanName": plan.name,
                "CreationTime": plan.creation_time,
            }
        )

    def get_restore_testing_plan(self: _Handler) -> ActionResult:
        restore_testing = self.services.restore_testing
        plan = restore_testing.get_restore_testing_plan(self._get_param("RestoreTestingPlanName"))
        return ActionResult({"RestoreTestingPlan": plan_view(plan)})

    def list_restore_testing_plans(self: _Handler) -> ActionResult:
        plans, token = self.services.restore_testing.list_restore_testing_plans(*self._paging())
        return _page("RestoreTestingPlans", [plan_view(plan) for plan in plans], token)

    def update_restore_testing_plan(self: _Handler) -> ActionResult:
        plan = self.services.restore_testing.update_restore_testing_plan(
            self._get_param("RestoreTestingPlanName"), self._get_param("RestoreTestingPlan") or {}
        )
        return ActionResult(
            {
                "CreationTime": plan.creation_time,
                "RestoreTestingPlanArn": plan.arn,
                "RestoreTestingPlanName": plan.name,
                "UpdateTime": plan.last_update_time,
            }
        )

    def delete_restore_testing_plan(self: _Handler) -> EmptyResult:
        self.services.restore_testing.delete_restore_testing_plan(self._get_param("RestoreTestingPlanName"))
        return EmptyResult()

    def create_restore_testing_selection(self: _Handler) -> ActionResult:
        restore_testing = self.services.restore_testing
        plan_name = self._get_param("RestoreTestingPlanName")
        selection = restore_testing.create_restore_testing_selection(
            plan_name, self._get_param("RestoreTestingSelection") or {}, self._get_param("CreatorRequestId")
        )
        return ActionResult(
            {
                "CreationTime": selection.creation_time,
                "RestoreTestingPlanArn": restore_testing.get_restore_testing_plan(plan_name).arn,
                "RestoreTestingPlanName": plan_name,
                "RestoreTestingSelectionName": selection.name,
            }
        )

    def get_restore_testing_selection(self: _Handler) -> ActionResult:
        selection = self.services.restore_testing.get_restore_testing_selection(
            self._get_param("RestoreTestingPlanName"), self._get_param("RestoreTestingSelectionName")
        )
        return ActionResult({"RestoreTestingSelection": selection_view(selection)})

    def list_restore_testing_selections(self: _Handler) -> ActionResult:
        selections, token = self.services.restore_testing.list_restore_testing_selections(
            self._get_param("RestoreTestingPlanName"), *self._paging()
        )
        return _page("RestoreTestingSelections", [selection_view(s) for s in selections], token)

    def update_restore_testing_selection(self: _Handler) -> ActionResult:
        restore_testing = self.services.restore_testing
        plan_name = self._get_param("RestoreTestingPlanName")
        selection, updated = restore_testing.update_restore_testing_selection(
            plan_name,
            self._get_param("RestoreTestingSelectionName"),
            self._get_param("RestoreTestingSelection") or {},
        )
        return ActionResult(
            {
                "CreationTime": selection.creation_time,
                "RestoreTestingPlanArn": restore_testing.get_restore_testing_plan(plan_name).arn,
                "RestoreTestingPlanName": plan_name,
                "RestoreTestingSelectionName": selection.name,
                "UpdateTime": updated,
            }
        )

    def delete_restore_testing_selection(self: _Handler) -> EmptyResult:
        self.services.restore_testing.delete_restore_testing_selection(
            self._get_param("RestoreTestingPlanName"), self._get_param("RestoreTestingSelectionName")
        )
        return EmptyResult()
