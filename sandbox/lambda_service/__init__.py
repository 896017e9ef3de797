"""The Lambda service: the template's functions run in-process, wired as template.yaml wires them.

Nothing here re-declares the stack's wiring: it is read from the deployed template.

| module | holds |
|---|---|
| ``router`` | :class:`Router`, the facade the world uses: builds, wires, starts and stops the parts |
| ``functions`` | functions as the template declares them (code, layers, environment, async config) |
| ``containers`` | running a handler as Lambda's Python runtime does (isolation, context, errors) |
| ``triggers`` | EventBridge rules' Lambda targets, schedule expressions, rule and Scheduler schedules |
| ``sqs_sources`` | SQS event source mappings: polling, batching window, filters, partial failures |
| ``async_invoke`` | asynchronous invocations: retries, destinations, dead-letter queues |
| ``records`` | :class:`Invocation`, :class:`Notification`, :class:`Firing`, :func:`next_sequence` |
| ``timers`` | one-shot and repeating timers on the simulated clock, void once stopped |
| ``moto_hooks`` | moto patched so SQS arrivals wake pollers and SNS publishes are recorded |
| ``invoke_api`` | the Lambda API's ``Invoke`` of a function the router knows runs it in-process |

Invocations are sequential (the clock runs one timer at a time and a lock serialises direct
calls), so ``ReservedConcurrentExecutions: 1`` always holds; it is recorded on the function.
A handler's ``Timeout`` is given to the context but not enforced (the code runs at machine
speed, in simulated time that does not move while it runs).
"""

from sandbox.lambda_service.records import Firing, Invocation, Notification, next_sequence
from sandbox.lambda_service.router import Router

__all__ = ["Firing", "Invocation", "Notification", "Router", "next_sequence"]
