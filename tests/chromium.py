"""Headless Chromium for the HTML report's tests: the page as a browser runs it (scripts included).

Tests that need it skip with a clear reason only when no Chromium is installed; CI installs
Debian's ``chromium`` (.ci/run), so there they run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0")


def chromium_or_skip() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")


@dataclass
class Page:
    dom: str  # the DOM after the page's scripts ran
    console: list[str]  # every console message and uncaught error Chromium logged


def load(url: str, profile: Path, *, screenshot: Path | None = None, size: str = "1300,2400") -> Page:
    """Load URL in a fresh profile; returns the DOM (or writes a screenshot) and the console."""
    program = chromium_or_skip()
    action = [f"--screenshot={screenshot}", f"--window-size={size}"] if screenshot else ["--dump-dom"]
    run = subprocess.run(
        [program, *FLAGS, f"--user-data-dir={profile}", *action, url],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]
    return Page(run.stdout, console)
