"""What the sandbox's adapters share: finding resources in moto, describing them, capturing them.

:class:`MotoAdapter` is the reading half of an adapter whose resources live in one moto backend
per account and Region and are named by an ARN whose first group is the resource's id there. An
adapter says how to list and get its resources in a backend and how to describe one; the base
answers ``handles``, ``iter_resources``, ``describe`` and ``locate`` from that, and gives the
capture and copy code the resource (or a ``ResourceNotFoundException``) and the backend where a
recovery point lives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sandbox.resources import CaptureError, arn_account_region, capture_location, existing_backend
from sandbox.resources.base import Capture, LiveResource

if TYPE_CHECKING:
    import re
    from collections.abc import Iterable

    from moto.core.base_backend import BackendDict, BaseBackend


class MotoAdapter[B: BaseBackend, R]:
    """Base of an adapter whose resource ``R`` lives in moto backend ``B`` (one per account/Region)."""

    resource_type: str
    fully_managed: bool
    arn_service: str
    arn_resource_type: str
    #: the resource's ARN; group 1 is its id in the backend
    arn_pattern: ClassVar[re.Pattern[str]]
    #: moto's backends of the service
    backends: BackendDict[B]

    # -- what an adapter says -------------------------------------------------------------------
    def _resources(self, backend: B) -> Iterable[R]:
        """Every live resource of this type in one backend."""
        raise NotImplementedError

    def _get(self, backend: B, resource_id: str) -> R | None:
        """One live resource by the id its ARN names, or None."""
        raise NotImplementedError

    def _live(self, backend: B, resource: R) -> LiveResource:
        raise NotImplementedError

    # -- what the base answers ------------------------------------------------------------------
    def handles(self, arn: str) -> bool:
        return self.arn_pattern.fullmatch(arn) is not None

    def _find(self, arn: str) -> tuple[B, R] | None:
        match = self.arn_pattern.fullmatch(arn)
        if match is None:
            return None
        backend = existing_backend(self.backends, *arn_account_region(arn))
        resource = None if backend is None else self._get(backend, match.group(1))
        return None if backend is None or resource is None else (backend, resource)

    def _found(self, arn: str, noun: str) -> tuple[B, R]:
        """The resource a backup job names; AWS Backup fails the job when it is gone."""
        found = self._find(arn)
        if found is None:
            raise CaptureError("ResourceNotFoundException", f"{noun} not found: {arn}")
        return found

    def _home(self, capture: Capture) -> B | None:
        """The backend where a recovery point's capture lives (None if it was never created)."""
        return existing_backend(self.backends, *capture_location(capture))

    def iter_resources(self, account: str, region: str) -> Iterable[LiveResource]:
        backend = existing_backend(self.backends, account, region)
        if backend is None:
            return
        for resource in list(self._resources(backend)):
            yield self._live(backend, resource)

    def describe(self, arn: str) -> LiveResource | None:
        found = self._find(arn)
        return None if found is None else self._live(*found)

    def locate(self, arn: str) -> tuple[str, str] | None:
        return arn_account_region(arn) if self._find(arn) is not None else None

    def _capture(
        self,
        live: LiveResource,
        *,
        source_arn: str,
        account: str,
        region: str,
        config: dict[str, Any],
        restore_metadata: dict[str, str],
        inferred_metadata: dict[str, str],
        payload: Any,
        native_arn: str | None = None,
        **extra: Any,
    ) -> Capture:
        """A capture of ``live`` kept in ``account``/``region`` (size and encryption as it is now)."""
        return Capture(
            resource_type=self.resource_type,
            source_arn=source_arn,
            source_name=live.name,
            restore_metadata=restore_metadata,
            inferred_metadata=inferred_metadata,
            payload=payload,
            size_bytes=live.size_bytes,
            encrypted=live.encrypted,
            kms_key_arn=live.kms_key_arn,
            native_arn=native_arn,
            extra={"account": account, "region": region, "config": config, **extra},
        )
