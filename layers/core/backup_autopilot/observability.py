"""One Logger and Metrics per function, configured by the POWERTOOLS_* environment variables.

The Tracer is not created here: it imports the X-Ray SDK and builds a client at import time
(about 350 ms of cold start). Functions that want traces create it themselves.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "metrics"]
