"""backup-autopilot: the shared package of the stack's Lambda functions (the ``CoreLayer``).

Layout: ``models`` (msgspec shapes of the events we receive and emit, and of notices), ``logic``
(pure decisions, no boto3), ``adapters`` (boto3 only, clients injected), ``config`` (settings from
the environment), ``observability`` (one Logger, Tracer and Metrics for every function).
"""

__version__ = "0.1.0"
