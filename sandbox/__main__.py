"""Command line: ``python -m sandbox serve | invoke | demo``.

``serve --port PORT``
    A local AWS endpoint with the stack deployed into it (``aws --endpoint-url``, boto3's
    ``endpoint_url`` or ``AWS_ENDPOINT_URL``), plus the ``/_sandbox/`` control routes.
``invoke <FunctionLogicalId> --event events/<function>/<case>.json``
    This project's ``sam local invoke``: runs the handler once, in the deployed sandbox, with its
    real environment; prints the result and the side effects (events that entered a bus,
    notifications); exits 1 when the handler raised.
``demo``
    The scripted story (``sandbox.demo``).

``serve`` and ``demo`` take ``--realistic``: AWS's events arrive as AWS delivers them (best
effort: 0-5 simulated minutes late, 2 % twice, 1 % never; seeded, so a run can be repeated).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from sandbox.world import Sandbox


def _realistic_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="AWS events late (0-5 simulated minutes), 2%% twice, 1%% never; seeded",
    )


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", default="template.yaml", help="SAM template (default: template.yaml)")
    parser.add_argument(
        "--config-env", default="sandbox", help="samconfig.toml environment (default: sandbox)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="backup-autopilot's AWS on one machine"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox as a local AWS endpoint")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    _stack_arguments(serve)
    _realistic_argument(serve)
    invoke = commands.add_parser("invoke", help="invoke one function with an event file")
    invoke.add_argument("function", help="the function's logical id in the template, e.g. NotifyFunction")
    invoke.add_argument("--event", required=True, type=Path, help="JSON event file")
    _stack_arguments(invoke)
    demo = commands.add_parser("demo", help="run the scripted story")
    _realistic_argument(demo)
    report = commands.add_parser("report", help="the operator report from a simulated month (make report)")
    report.add_argument("--days", type=int, default=30, help="simulated days (default 30)")
    report.add_argument("--out", type=Path, default=Path("build/report.html"), help="where the page goes")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from sandbox.server import SandboxServer

    with Sandbox(template=args.template, config_env=args.config_env, realistic=args.realistic) as sb:
        server = SandboxServer(sb, host=args.host, port=args.port)
        for warning in sb.deployment.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"sandbox: stack '{sb.stack_name}' in account {sb.account_id}, {sb.region}")
        print(f"sandbox: listening on {server.url} (control routes under {server.url}/_sandbox/)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


def _print_json(title: str, value: Any) -> None:
    print(f"{title}:")
    print(json.dumps(value, indent=2, default=str))


def _invoke(args: argparse.Namespace) -> int:
    try:
        event = json.loads(args.event.read_text())
    except (OSError, ValueError) as error:
        print(f"cannot read the event {args.event}: {error}", file=sys.stderr)
        return 2
    with Sandbox(template=args.template, config_env=args.config_env) as sb:
        before = (len(sb.events), len(sb.notifications))
        try:
            invocation = sb.invoke(args.function, event)
        except KeyError as error:
            print(error.args[0], file=sys.stderr)
            return 2
        print(f"{args.function} ({args.event}): {invocation.outcome} in {invocation.duration_ms:.1f} ms")
        if invocation.error:
            print(f"error: {invocation.error}")
            print("".join(invocation.stack_trace), end="")
        else:
            _print_json("result", invocation.result)
        emitted = sb.events[before[0] :]
        print(f"events that entered a bus: {len(emitted)}")
        for emitted_event in emitted:
            print(
                f"  {emitted_event.get('_bus')}: {emitted_event['source']} / {emitted_event['detail-type']}"
            )
            print(f"    {json.dumps(emitted_event['detail'], default=str)}")
        sent = sb.notifications[before[1] :]
        print(f"notifications: {len(sent)}")
        for note in sent:
            print(f"  {note['Channel']} {note['TopicArn']}: {note['Subject'] or ''}")
            for line in str(note["Message"]).splitlines():
                print(f"    {line}")
        return 1 if invocation.error else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "invoke":
        return _invoke(args)
    if args.command == "report":
        from sandbox.operator_report import run as report

        return report(days=args.days, out=args.out)
    from sandbox.demo import main as demo

    demo(realistic=args.realistic)  # exits with the story's status
    return 0


if __name__ == "__main__":
    sys.exit(main())
