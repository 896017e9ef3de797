"""python -m sandbox: invoke (this project's `sam local invoke`) and demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.__main__ import _parser, main

ROOT = Path(__file__).resolve().parents[2]
ROUTER_FIXTURE = Path(__file__).parent / "fixtures" / "router" / "template.yaml"


def write_event(tmp_path: Path, event: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


def test_invoke_prints_the_result_and_the_notifications(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)

    status = main(["invoke", "NotifyFunction", "--event", "events/notify/backup_job_failed.json"])

    out = capsys.readouterr().out
    assert status == 0
    assert "NotifyFunction (events/notify/backup_job_failed.json): success" in out
    assert '"batchItemFailures": []' in out
    assert "notifications: 2" in out  # the e-mail (SNS) and the Slack post
    assert "backup-autopilot: [critical] Backup job failed: orders" in out
    assert "slack slack:#backup-alerts" in out


def test_invoke_prints_the_events_the_handler_emitted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = write_event(tmp_path, {"emit": {"order": 7}})

    status = main(["invoke", "EchoFunction", "--event", event, "--template", str(ROUTER_FIXTURE)])

    out = capsys.readouterr().out
    assert status == 0
    assert "events that entered a bus: 1" in out
    assert "routed-events: fixture.echo / Echoed" in out
    assert '{"order": 7}' in out


def test_invoke_exits_non_zero_when_the_handler_raises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = write_event(tmp_path, {"id": "e-1", "detail": {"fail_times": 1}})

    status = main(["invoke", "FlakyFunction", "--event", event, "--template", str(ROUTER_FIXTURE)])

    out = capsys.readouterr().out
    assert status == 1
    assert "FlakyFunction" in out
    assert "error: RuntimeError: attempt 1 failed" in out
    assert "raise RuntimeError" in out  # the stack trace


def test_invoke_of_an_unknown_function_names_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["invoke", "Nope", "--event", write_event(tmp_path, {}), "--template", str(ROUTER_FIXTURE)])

    assert status == 2
    error = capsys.readouterr().err
    assert error.startswith("no function Nope (known: ")
    assert "EchoFunction, FilteredFunction, FlakyFunction" in error


def test_invoke_with_an_unreadable_event_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{not json")

    status = main(
        ["invoke", "EchoFunction", "--event", str(tmp_path / "bad.json"), "--template", str(ROUTER_FIXTURE)]
    )

    assert status == 2
    assert "cannot read the event" in capsys.readouterr().err


def test_module_runs_as_a_command() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox",
            "invoke",
            "NotifyFunction",
            "--event",
            "events/notify/backup_job_failed.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert "notifications: 2" in done.stdout


def test_demo_command_tells_the_story(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)

    with pytest.raises(SystemExit) as exited:
        main(["demo"])

    assert exited.value.code == 0
    assert "demo finished" in capsys.readouterr().out


def test_demo_command_tells_the_same_story_under_realistic_delivery(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # AWS's events late, twice or lost (seeded): every check of the story still holds
    monkeypatch.chdir(ROOT)

    with pytest.raises(SystemExit) as exited:
        main(["demo", "--realistic"])

    out = capsys.readouterr().out
    assert exited.value.code == 0, out[-3000:]
    assert "demo finished" in out and "[FAILED]" not in out
    assert " s late)" in out  # the timeline shows the late events


def test_serve_and_demo_take_realistic() -> None:
    assert _parser().parse_args(["serve", "--realistic"]).realistic is True
    assert _parser().parse_args(["demo", "--realistic"]).realistic is True
    assert _parser().parse_args(["demo"]).realistic is False
