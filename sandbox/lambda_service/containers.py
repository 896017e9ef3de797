"""Function containers: a handler run as the Lambda Python runtime runs it, and its record.

One "container" per function: its handler is imported from ``CodeUri`` under a unique module
name; the packages of its code and layers are imported once per function and swapped into
``sys.modules`` only during its calls (each function keeps its own copies, as separate containers
would, so a cached setting of one function never leaks into another); ``os.environ`` holds its
environment and ``sys.path`` its code and layer directories only while it runs; it gets a
:class:`LambdaContext`. Errors are named as the runtime names them (``Runtime.ImportModuleError``,
``Runtime.HandlerNotFound``, ``Runtime.MarshalError``, or the exception's type).

Invocations are sequential (a lock serialises them), so ``ReservedConcurrentExecutions: 1``
always holds. ``Timeout`` is given to the context but not enforced.

What a handler prints goes to the process's stdout as before and is also kept on its
:class:`Invocation` (``stdout``: Powertools Metrics prints its embedded-metric-format document
there, which is how Lambda's log stream hands metrics to CloudWatch). Function faults
(``sandbox.faults``: ``throttle_function``, ``crash_function``) act here: a throttled invocation
never runs its handler (outcome ``throttled``, ``TooManyRequestsException``), a crashing one raises
at once. ``observers`` are told of every invocation record (``sandbox.cloudwatch`` counts them).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.faults import FAULTS
from sandbox.function_faults import CRASH, THROTTLE
from sandbox.lambda_service.records import Invocation, next_sequence

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from sandbox.clock import SimClock
    from sandbox.lambda_service.functions import Function


@dataclass
class LambdaContext:
    """The context object a Python handler receives."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: float
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.perf_counter() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class ImportModuleError(Exception):
    """Lambda's Runtime.ImportModuleError: the handler module cannot be found."""


class HandlerNotFoundError(Exception):
    """Lambda's Runtime.HandlerNotFound: the module has no such handler."""


class MarshalError(Exception):
    """Lambda's Runtime.MarshalError: the handler returned something that is not JSON."""


class InjectedCrash(Exception):
    """A crash the sandbox injected (``FAULTS.crash_function``): the handler raised at once."""


#: Lambda's answer to a throttled invocation (the handler does not run)
THROTTLED_ERROR = "TooManyRequestsException"
THROTTLED_MESSAGE = "Rate Exceeded."


class _StdoutTee(io.TextIOBase):
    """``sys.stdout`` while handlers run: every write still reaches the stdout that was current,
    and, during an invocation, is also kept for its record. A logger a handler created during a
    call may keep this object: outside calls it writes through to the current stdout."""

    def __init__(self) -> None:
        self._outer: list[Any] = []
        self._buffers: list[list[str]] = []

    def enter(self, outer: Any) -> None:
        self._outer.append(outer)
        self._buffers.append([])

    def leave(self) -> list[str]:
        self._outer.pop()
        return "".join(self._buffers.pop()).splitlines()

    def _target(self) -> Any:
        if self._outer:
            return self._outer[-1]
        return sys.stdout if sys.stdout is not self else sys.__stdout__

    def write(self, text: str) -> int:
        if self._buffers:
            self._buffers[-1].append(text)
        target = self._target()
        if target is not None:
            target.write(text)
        return len(text)

    def flush(self) -> None:
        target = self._target()
        if target is not None:
            target.flush()


_STDOUT = _StdoutTee()


@contextlib.contextmanager
def _captured_stdout(lines: list[str]) -> Iterator[None]:
    """What the handler prints, kept in ``lines`` (and printed as before)."""
    outer = sys.stdout
    _STDOUT.enter(outer)
    sys.stdout = _STDOUT
    try:
        yield
    finally:
        sys.stdout = outer
        lines.extend(_STDOUT.leave())


class Containers:
    """Runs handlers in their functions' containers and records every :class:`Invocation`."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.invocations: list[Invocation] = []
        #: told of every invocation record, with its function (``sandbox.cloudwatch``)
        self.observers: list[Callable[[Function, Invocation], None]] = []
        self._lock = threading.RLock()
        self._added_paths: list[str] = []

    # -- layers on sys.path for the service's lifetime ----------------------------------------
    def add_layer_paths(self, paths: Iterable[Path]) -> None:
        for path in paths:
            if str(path) not in sys.path:
                sys.path.append(str(path))
                self._added_paths.append(str(path))

    def remove_layer_paths(self) -> None:
        for path in self._added_paths:
            if path in sys.path:
                sys.path.remove(path)

    # -- invocation ---------------------------------------------------------------------------------
    def invoke(
        self, function: Function, event: Any, *, trigger: str, attempt: int, request_id: str
    ) -> Invocation:
        """Run the handler now (the event goes through JSON, as Lambda's does) and record it."""
        payload = json.loads(json.dumps(event))
        seq = next_sequence()
        started = self.clock.now()
        context = LambdaContext(
            function_name=function.spec.name,
            invoked_function_arn=function.spec.arn,
            memory_limit_in_mb=function.memory,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{function.spec.name}",
            log_stream_name=f"{started:%Y/%m/%d}/[$LATEST]{function.container_id}",
            timeout_seconds=function.timeout,
        )
        result: Any = None
        error: BaseException | None = None
        printed: list[str] = []
        fault = FAULTS.function_fault(function.logical_id, function.spec.name)
        if fault is not None and fault.effect == THROTTLE:
            return self._record(
                function, self._throttled(function, payload, trigger, attempt, request_id, seq)
            )
        with self._lock:
            real_start = time.perf_counter()
            with _container(function), _captured_stdout(printed):
                try:
                    if fault is not None and fault.effect == CRASH:
                        raise InjectedCrash(fault.message)
                    handler = _handler(function)
                    raw = handler(payload, context)
                except Exception as exc:  # the handler's failure is the invocation's outcome
                    error = exc
                else:
                    try:
                        result = json.loads(json.dumps(raw))
                    except (TypeError, ValueError) as exc:
                        error = MarshalError(f"Unable to marshal response: {exc}")
            duration = (time.perf_counter() - real_start) * 1000
        invocation = Invocation(
            function=function.logical_id,
            trigger=trigger,
            event=payload,
            request_id=request_id,
            attempt=attempt,
            started=started,
            ended=self.clock.now(),
            duration_ms=duration,
            outcome="success" if error is None else "error",
            result=result,
            seq=seq,
            stdout=printed,
        )
        if error is not None:
            invocation.error_type = _error_type(error)
            invocation.error = f"{invocation.error_type}: {error}"
            invocation.stack_trace = traceback.format_tb(error.__traceback__)
        return self._record(function, invocation)

    def _throttled(
        self, function: Function, payload: Any, trigger: str, attempt: int, request_id: str, seq: int
    ) -> Invocation:
        """Lambda refused the invocation (no concurrency left): the handler does not run."""
        now = self.clock.now()
        return Invocation(
            function=function.logical_id,
            trigger=trigger,
            event=payload,
            request_id=request_id,
            attempt=attempt,
            started=now,
            ended=now,
            duration_ms=0.0,
            outcome="throttled",
            error=f"{THROTTLED_ERROR}: {THROTTLED_MESSAGE}",
            error_type=THROTTLED_ERROR,
            seq=seq,
        )

    def _record(self, function: Function, invocation: Invocation) -> Invocation:
        self.invocations.append(invocation)
        for observer in list(self.observers):
            observer(function, invocation)
        return invocation


def _handler(function: Function) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, attribute = function.handler.rpartition(".")
    if function.module is None:
        path = function.code_dir / (module_name.replace(".", "/") + ".py")
        unique = f"sandbox_functions.{function.logical_id}.{module_name}"
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None or not path.exists():
            raise ImportModuleError(
                f"Unable to import module '{module_name}': No module named '{module_name}'"
            )
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            del sys.modules[unique]
            raise
        function.module = module
    handler = getattr(function.module, attribute, None)
    if not callable(handler):
        raise HandlerNotFoundError(f"Handler '{attribute}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


@contextlib.contextmanager
def _container(function: Function) -> Iterator[None]:
    """The function's environment, paths and module copies, for the duration of a call."""
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    owned = function.owned_names
    saved_modules = {name: module for name, module in sys.modules.items() if _owned(name, owned)}
    for name in saved_modules:
        del sys.modules[name]
    sys.modules.update(function.modules)
    os.environ.update(function.environment)
    sys.path[:0] = [str(function.code_dir), *(str(p) for p in function.layer_paths)]
    try:
        yield
    finally:
        function.modules = {name: module for name, module in sys.modules.items() if _owned(name, owned)}
        for name in function.modules:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)


def _owned(module_name: str, owned: frozenset[str]) -> bool:
    return module_name.split(".", 1)[0] in owned


def _error_type(error: BaseException) -> str:
    if isinstance(error, ImportModuleError):
        return "Runtime.ImportModuleError"
    if isinstance(error, HandlerNotFoundError):
        return "Runtime.HandlerNotFound"
    if isinstance(error, MarshalError):
        return "Runtime.MarshalError"
    return type(error).__name__
