"""Headless Chromium for the browser tests: Debian's chromium driven by its chromedriver
(`make browser` installs both), never a browser downloaded by a test tool."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from orchestration.settings import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
# Headless as root, and quiet: without the background-networking flags Chromium keeps trying to
# reach Google's services, which this machine's closed network refuses.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def artifacts_dir() -> Path:
    """Screenshots of the browser tests: WAREHOUSE_TEST_ARTIFACTS_DIR, default test-artifacts/browser."""
    raw = os.environ.get("WAREHOUSE_TEST_ARTIFACTS_DIR", "").strip()
    path = Path(raw) if raw else PROJECT_ROOT / "test-artifacts" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def docs_screenshot(driver: WebDriver, name: str) -> None:
    """With UPDATE_DOCS_SCREENSHOTS=1, also save the screenshot the README shows (docs/images)."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        driver.save_screenshot(str(PROJECT_ROOT / "docs" / "images" / name))


@contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[WebDriver]:
    """A headless Chromium with a new empty profile, recording console and network events."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `make browser` installs Debian's chromium and chromium-driver")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*HEADLESS_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.get("about:blank")
            forget_logs(driver)  # Chromium's own start-up pages are not the page under test
            yield driver
        finally:
            driver.quit()


def forget_logs(driver: WebDriver) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def leave_page(driver: WebDriver) -> None:
    """Unload the page before (the Dagster UI's polls, aborted as it unloads, log requests and
    errors of their own), then forget the logs: what is read next is the next page's alone."""
    driver.get("about:blank")
    forget_logs(driver)


def console_errors(driver: WebDriver) -> list[dict]:
    """Console messages of level SEVERE (errors) since the last read."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver: WebDriver) -> set[str]:
    """Every URL the page requested since the last read of the performance log."""
    urls = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.add(message["params"]["request"]["url"])
    return urls
