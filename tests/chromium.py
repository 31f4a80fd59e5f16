"""Headless Chromium for the HTML report's tests: the page as a browser runs it (scripts included),
really laid out, driven through Playwright (``playwright`` from PyPI, with the machine's Chromium:
no browser download).

Tests that need it skip with a clear reason only when no Chromium or no Playwright is installed;
CI installs Debian's ``chromium`` and the test extra (.ci/run), so there they run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")


@dataclass
class Page:
    dom: str  # the DOM after the page's scripts ran
    console: list[str] = field(default_factory=list)  # every console warning, error and uncaught error


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``)."""
    program = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=program, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(chromium: Any, url: str, *, width: int = 1366, height: int = 900) -> tuple[Any, list[str]]:
    """A new page at ``url``, once its script said it is ready; and the list that collects its
    console warnings and errors (check it at the end of the test)."""
    page = chromium.new_page(viewport={"width": width, "height": height})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("warning", "error") else None)
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=60_000)
    return page, console


def load(url: str, profile: Path | None = None, *, screenshot: Path | None = None, size: str = "1300,2400") -> Page:
    """Load URL in a fresh browser; returns the DOM (and writes a screenshot of the whole page)
    and the console. ``profile`` is unused (each browser has a fresh profile)."""
    width, height = (int(n) for n in size.split(","))
    with browser() as chromium:
        page, console = open_page(chromium, url, width=width, height=height)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        return Page(page.content(), console)
