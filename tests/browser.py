"""Headless Chromium for the report's browser test: Debian's ``chromium`` package, driven by
Playwright's Python package (Playwright's own browser download cannot be reached here).

``.ci/browser.sh`` installs Chromium (``.ci/run`` and ``make test`` run it); when it is missing
the test fails with that instruction: it is never skipped.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
#: CI artefacts (gitignored): the report's screenshot
ARTIFACTS = Path(__file__).resolve().parent.parent / ".ci" / "artifacts"
#: as the machine notes say: no background networking (the machine's network is closed)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LoadedPage:
    """A page loaded in Chromium (Playwright's ``Page``), its console and page errors, and every URL
    it requested."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_page(path: Path, *, screenshot: Path | None = None) -> Iterator[LoadedPage]:
    """The page at ``path`` loaded in headless Chromium (a fresh profile), with its console errors
    and requests; a full-page screenshot when asked."""
    if not CHROMIUM.exists():
        raise AssertionError(
            f"{CHROMIUM} is missing: run `bash .ci/browser.sh` (apt-get install chromium; make test does it)"
        )
    from playwright.sync_api import sync_playwright

    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                page = context.new_page()
                errors: list[str] = []
                page.on(
                    "console",
                    lambda message: errors.append(message.text) if message.type == "error" else None,
                )
                page.on("pageerror", lambda error: errors.append(str(error)))
                requests: list[str] = []
                page.on("request", lambda request: requests.append(request.url))
                page.goto(path.resolve().as_uri())
                page.wait_for_load_state("load")
                if screenshot is not None:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True)
                yield LoadedPage(page, errors, requests)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
