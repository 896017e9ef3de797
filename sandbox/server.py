"""``python -m sandbox serve``: the sandbox as a local AWS endpoint, plus control routes.

moto's own WSGI application (``DomainDispatcherApplication``) serves every AWS request, from the
same in-process state the router and the handlers use (they reach it through ``mock_aws``). The
control routes under ``/_sandbox/`` move the simulated clock and show what happened:

``POST /_sandbox/clock``           ``{"advance_seconds": N}`` (or ``{"advance_to": ISO}``): moves the
                                   clock, returns the new time and what ran meanwhile
``GET  /_sandbox/clock``           the simulated time
``GET  /_sandbox/events``          every event that entered a bus
``GET  /_sandbox/invocations``     every function invocation
``GET  /_sandbox/notifications``   every SNS message and Slack post (``Channel``: ``sns``, ``slack``)
``GET|POST /_sandbox/slack``       the Slack webhook: what it received and its faults (POST body:
                                   ``{"fail": [{"status": 429, "retry_after": 30}]}``, ``{"clear": true}``)
``GET  /_sandbox/timeline``        the readable timeline, one line per entry
``GET  /_sandbox/stack``           stack name, account, Region, outputs, physical ids, functions
``GET|POST /_sandbox/faults``      the fault configuration (POST body: ``FaultInjector.configure`` spec)

Simulated time moves only through ``POST /_sandbox/clock``: a request that queues work (a tag
change, an event) sees its effects after the next clock call (``{"advance_seconds": 0}`` runs
what is due now).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import TYPE_CHECKING, Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sandbox.world import Sandbox

CONTROL_PREFIX = "/_sandbox/"


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str, indent=1), status=status, mimetype="application/json")


class ControlApp:
    """The ``/_sandbox/`` routes in front of moto's application."""

    def __init__(self, sandbox: Sandbox, aws_app: Callable[..., Iterable[bytes]]) -> None:
        self.sandbox = sandbox
        self.aws_app = aws_app
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "clock"): self._now,
            ("POST", "clock"): self._advance,
            ("GET", "events"): lambda _: _json(self.sandbox.events),
            ("GET", "invocations"): lambda _: _json([i.to_dict() for i in self.sandbox.invocations]),
            ("GET", "notifications"): lambda _: _json(self.sandbox.notifications),
            ("GET", "timeline"): lambda _: Response(
                "\n".join(self.sandbox.timeline()) + "\n", mimetype="text/plain"
            ),
            ("GET", "stack"): self._stack,
            ("GET", "faults"): lambda _: _json(self.sandbox.faults.describe()),
            ("POST", "faults"): self._configure_faults,
            ("GET", "slack"): self._slack,
            ("POST", "slack"): self._configure_slack,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            return self.aws_app(environ, start_response)
        request = Request(environ)
        try:
            response = self._dispatch(request, path[len(CONTROL_PREFIX) :].strip("/"))
        except HTTPException as error:
            response = _json({"error": error.description}, status=error.code or 500)
        return response(environ, start_response)

    def _dispatch(self, request: Request, name: str) -> Response:
        route = self._routes.get((request.method, name))
        if route is not None:
            with self._lock:
                return route(request)
        if any(key[1] == name for key in self._routes):
            raise MethodNotAllowed(description=f"{request.method} /_sandbox/{name} is not a route")
        raise NotFound(description=f"no control route /_sandbox/{name}")

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise BadRequest(description="the body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest(description="the body must be a JSON object")
        return body

    def _now(self, _: Request) -> Response:
        return _json({"now": self.sandbox.clock.now().isoformat()})

    def _advance(self, request: Request) -> Response:
        body = self._body(request)
        sandbox = self.sandbox
        counts = (
            len(sandbox.recorded_events),
            len(sandbox.router.invocations),
            len(sandbox.router.notifications),
        )
        if "advance_to" in body:
            ran = sandbox.advance_to(
                dt.datetime.fromisoformat(str(body["advance_to"]).replace("Z", "+00:00"))
            )
        else:
            try:
                seconds = float(body.get("advance_seconds", 0))
            except (TypeError, ValueError):
                raise BadRequest(description="advance_seconds must be a number") from None
            if seconds < 0:
                raise BadRequest(description="time only moves forward")
            ran = sandbox.advance(seconds)
        return _json(
            {
                "now": sandbox.clock.now().isoformat(),
                "timers_run": ran,
                "events": sandbox.events[counts[0] :],
                "invocations": [i.to_dict() for i in sandbox.router.invocations[counts[1] :]],
                "notifications": sandbox.notifications[counts[2] :],
            }
        )

    def _stack(self, _: Request) -> Response:
        sandbox = self.sandbox
        deployment = sandbox.deployment
        return _json(
            {
                "stack_name": sandbox.stack_name,
                "account_id": sandbox.account_id,
                "region": sandbox.region,
                "outputs": deployment.outputs,
                "resources": deployment.physical.refs,
                "skipped": deployment.physical.skipped,
                "functions": {f.logical_id: f.arn for f in deployment.functions.values()},
                "warnings": deployment.warnings,
            }
        )

    def _slack(self, _: Request) -> Response:
        slack = self.sandbox.slack
        return _json({**slack.describe(), "received": [r.to_dict() for r in list(slack.requests)]})

    def _configure_slack(self, request: Request) -> Response:
        try:
            self.sandbox.slack.configure(self._body(request))
        except (KeyError, TypeError, ValueError) as error:
            raise BadRequest(description=f"invalid Slack fault spec: {error}") from None
        return _json(self.sandbox.slack.describe())

    def _configure_faults(self, request: Request) -> Response:
        try:
            self.sandbox.faults.configure(self._body(request))
        except (TypeError, ValueError) as error:
            raise BadRequest(description=f"invalid fault spec: {error}") from None
        return _json(self.sandbox.faults.describe())


class SandboxServer:
    """A started :class:`~sandbox.world.Sandbox` served over HTTP on ``host:port`` (port 0: any free one)."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 4566) -> None:
        app = ControlApp(sandbox, DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> SandboxServer:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
