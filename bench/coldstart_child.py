"""One cold start in a fresh process (run by ``bench/imports.py``, never imported by it).

``python bench/coldstart_child.py SPEC.json`` reads what to do from the spec, then prints one JSON
line: the seconds measured, the peak resident memory (``ru_maxrss``), the bytes the handler logged
and how many AWS requests were answered from the recording. Only the standard library is imported
before the timer starts; boto3, the layer and the handler are imported inside the measurement.

AWS is stubbed at the HTTP layer: once ``botocore.endpoint`` is imported (inside the measurement),
``Endpoint._send`` (where botocore would hand the signed request to urllib3) returns the response
the sandbox gave for the same operation when the bench recorded the same event, in order; an
operation the recording lacks gets an empty ``200 {}``. Everything else botocore does (client
creation, endpoint resolution, signing, retries, parsing) runs as on Lambda.

Modes:
- ``import-boto3`` / ``import-function``: module import only (ratio a);
- ``boto3-call``: ``import boto3`` + one client + one call (``backup:ListBackupPlans``);
- ``function-call``: module import + the handler on the sample event (ratio b).
"""

from __future__ import annotations

import base64
import importlib.abc
import importlib.util
import io
import json
import os
import resource
import sys
import time
from typing import Any

#: the recorded answers by ``before-send.<service-id>.<Operation>``, consumed in order
_ANSWERS: dict[str, list[dict[str, Any]]] = {}
_STATS = {"replayed": 0, "missing": 0}
_CURRENT: list[str] = [""]


class _Raw(io.BytesIO):
    """What botocore reads a response body from (``stream()``, as urllib3's raw response)."""

    def stream(self, **_: Any) -> Any:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _patch_endpoint(module: Any) -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    endpoint = module.Endpoint
    do_get_response = endpoint._do_get_response

    def tracked(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        service_id = operation_model.service_model.service_id.hyphenize()
        _CURRENT[0] = f"before-send.{service_id}.{operation_model.name}"
        return do_get_response(self, request, operation_model, context)

    def send(self: Any, request: Any) -> Any:
        queue = _ANSWERS.get(_CURRENT[0])
        if queue:
            answer = queue.pop(0)
            _STATS["replayed"] += 1
            status, headers, body = answer["status"], answer["headers"], base64.b64decode(answer["body"])
        else:
            _STATS["missing"] += 1
            status, headers, body = 200, {"content-type": "application/x-amz-json-1.1"}, b"{}"
        http_headers = HTTPHeaders()
        for key, value in headers.items():
            http_headers[key] = value
        return AWSResponse(request.url, status, http_headers, _Raw(body))

    endpoint._do_get_response = tracked
    endpoint._send = send


class _PatchAfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Patches ``botocore.endpoint`` right after it is executed (so nothing is imported early)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "botocore.endpoint":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: Any) -> Any:
        return None

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        sys.meta_path.remove(self)
        _patch_endpoint(module)


class _Context:
    """The Lambda context the handlers read."""

    def __init__(self, arn: str, memory: int) -> None:
        self.function_name = arn.rsplit(":", 1)[-1]
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "2026/03/02/[$LATEST]0"
        self._deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


class _CountingStream(io.TextIOBase):
    """stdout for the handler: counts the bytes Lambda would send to CloudWatch Logs."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)

    def writable(self) -> bool:
        return True


def _peak_kb() -> int:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not inherited from
    the parent that forked it), in KiB."""
    with open("/proc/self/status") as status:  # noqa: PTH123
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())  # noqa: PTH123, SIM115 (pathlib: one more import)
    mode = spec["mode"]
    for key, answers in spec.get("answers", {}).items():
        _ANSWERS[key] = list(answers)
    sys.meta_path.insert(0, _PatchAfterImport())
    out = sys.stdout
    stream = _CountingStream()
    # Powertools' Logger binds to sys.stdout at creation: count what it writes
    sys.stdout = stream
    result: Any = None
    started = time.perf_counter()
    if mode in {"import-boto3", "boto3-call"}:
        import boto3

        if mode == "boto3-call":
            boto3.client("backup").list_backup_plans()
    else:
        module_spec = importlib.util.spec_from_file_location("app", spec["path"])
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        if mode == "function-call":
            result = module.lambda_handler(spec["event"], _Context(spec["arn"], spec["memory"]))
    seconds = time.perf_counter() - started
    sys.stdout = out
    peak_kb = _peak_kb()
    summary = {
        "seconds": seconds,
        "peak_mb": peak_kb / 1024,
        "log_bytes": stream.bytes,
        "outcome": (result or {}).get("outcome") if isinstance(result, dict) else None,
        **_STATS,
        "pid": os.getpid(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
