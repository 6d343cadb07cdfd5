"""In headless Chromium: the Dagster UI (graph, checks, a run launched from it), the findings
report and the interactive figures, all from one real materialisation of the generated default.

`dagster dev` runs in its own process group on a free port, on a copy of the session's generated
build (its working database, versions and DAGSTER_HOME; not its figures and report, which the
UI's run draws again); the group is killed when the module ends, whatever happened.
Screenshots go to WAREHOUSE_TEST_ARTIFACTS_DIR (default test-artifacts/browser); with
UPDATE_DOCS_SCREENSHOTS=1 the README's screenshots in docs/images are refreshed too.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import duckdb
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from orchestration.charts import CHART_MODULES
from orchestration.charts.render import BRUSH_PARAM, OVERVIEW_HEIGHT
from orchestration.cli import prepare_dagster_home
from orchestration.report.findings import CLAIMS
from orchestration.settings import PROJECT_ROOT, Settings
from tests.browser.chromium import (
    artifacts_dir,
    chromium,
    console_errors,
    docs_screenshot,
    leave_page,
    requested_urls,
)
from tests.integration.harness import dump_with_one_byte_changed

SERVER_START_TIMEOUT = 300
RUN_TIMEOUT = 20 * 60
UI_TIMEOUT = 120
# The groups shown open in the asset graph: sources on the left, what users read on the right.
# Groups shown expanded. `figures` stays a collapsed box: expanded, its sixteen figures make the
# graph zoom out so far that Dagster stops drawing node labels.
OPEN_GROUPS = ("raw", "published", "report")


@pytest.fixture(scope="module")
def generated_weekly_files(generated_build) -> list[Path]:
    return sorted(generated_build.settings.weekly_source_dir.glob("huggingface_v2_*.csv.gz"))


@pytest.fixture(scope="module")
def settings(generated_build, tmp_path_factory) -> Iterator[Settings]:
    tmp_path = tmp_path_factory.mktemp("browser")
    # A landing directory of its own, empty until the daemon test drops files into it; the
    # sensor looks every 5 s instead of 60 (the same sensor and daemon, only sooner).
    (tmp_path / "landing").mkdir()
    # One byte of the HFCommunity dump changed: the run launched from the UI has a file to load
    # and a version to publish (on the build's own files it would rightly do nothing).
    dump = dump_with_one_byte_changed(generated_build.settings.hfcommunity_dump_path, tmp_path / "dump")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # With its figures and report (`outputs`), as `make run` leaves them: the report pages
        # are tested without drawing them again.
        settings = generated_build.copy(tmp_path, monkeypatch, dagster_home=True, outputs=True,
                                        WAREHOUSE_LANDING_DIR=str(tmp_path / "landing"),
                                        WAREHOUSE_LANDING_SENSOR_SECONDS="5",
                                        WAREHOUSE_HFCOMMUNITY_DUMP=str(dump))
        prepare_dagster_home(settings)
        yield settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (webserver, daemon, code servers, run workers), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            process.poll()
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.5)
    raise AssertionError(f"process group {process.pid} of dagster dev survived SIGKILL")


@pytest.fixture(scope="module")
def dagster_ui(settings: Settings, tmp_path_factory) -> Iterator[str]:
    """`dagster dev` on a free port; yields its URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("dagster-dev") / "dagster-dev.log"
    bin_dir = os.path.dirname(sys.executable)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        # This checkout's code, also for the code server and run workers dagster dev starts.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        "DAGSTER_HOME": str(settings.dagster_home),
    }
    command = [os.path.join(bin_dir, "dagster"), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
               "-h", "127.0.0.1", "-p", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"dagster dev exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dagster dev did not serve {url} in {SERVER_START_TIMEOUT}s:\n{log_path.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        stop_process_group(process)


@pytest.fixture
def ui_driver() -> Iterator[WebDriver]:
    """A browser for the Dagster UI alone, closed with its test: the UI's workers and polls
    (blob: URLs, aborted requests) can outlive a navigation away, and must not reach the logs
    of the report and figure pages."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """One browser, started fresh, for the report and figure pages."""
    with chromium() as browser:
        yield browser


def wait_for_text(driver: WebDriver, *texts: str, timeout: float = UI_TIMEOUT) -> None:
    """Wait until every text is shown (an element whose own text is exactly it, or contains it)."""
    for text in texts:
        WebDriverWait(driver, timeout).until(
            EC.visibility_of_element_located(
                (By.XPATH, f"//*[normalize-space(text())={xpath_literal(text)} or "
                           f"contains(normalize-space(text()), {xpath_literal(text)})]")
            ),
            message=f"{text!r} not shown on {driver.current_url}",
        )


def xpath_literal(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'


def asset_graph_url(base: str) -> str:
    return f"{base}/asset-groups?expanded=" + quote(",".join(f"global@global:{group}" for group in OPEN_GROUPS))


def launch_materialize_all(driver: WebDriver, base: str) -> None:
    """The job page's "Materialize all", confirming the warning (when shown) that upstream assets
    of another job, the weekly marts, have never been materialised."""
    driver.get(f"{base}/locations/orchestration.definitions/jobs/build_warehouse")
    WebDriverWait(driver, UI_TIMEOUT).until(
        EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Materialize all']"))
    ).click()
    try:
        WebDriverWait(driver, 20).until(
            EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Confirm']"))
        ).click()
    except TimeoutException:
        pass  # launched without a warning


def wait_for_ui_run(settings: Settings, launched_after: float) -> dg.DagsterRun:
    """The build_warehouse run launched from the UI, once it has finished."""
    deadline = time.monotonic() + RUN_TIMEOUT
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        while time.monotonic() < deadline:
            runs = instance.get_run_records(
                filters=dg.RunsFilter(job_name="build_warehouse", tags={"dagster/from_ui": "true"})
            )
            runs = [r for r in runs if r.create_timestamp.timestamp() >= launched_after - 1]
            if runs and runs[0].dagster_run.is_finished:
                return runs[0].dagster_run
            time.sleep(3)
    pytest.fail(f"no build_warehouse run launched from the UI finished within {RUN_TIMEOUT}s")


def failed_checks(settings: Settings, run_id: str) -> list[str]:
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        records = instance.get_records_for_run(
            run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
        ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    assert evaluations, "the run evaluated no check"
    return [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed]


def test_dagster_ui_shows_assets_and_checks_and_materialises_the_generated_default(dagster_ui, settings, ui_driver):
    driver = ui_driver
    driver.set_window_size(1600, 1000)
    # The asset graph, its source and published assets open.
    driver.get(asset_graph_url(dagster_ui))
    wait_for_text(driver, *OPEN_GROUPS, "figures", "leaderboard", "commit_data", "repo_details", "warehouse", "findings")
    driver.save_screenshot(str(artifacts_dir() / "asset_graph_before_run.png"))
    # Checks on the asset pages: a raw file's Great Expectations gate, the publish step's own.
    driver.get(f"{dagster_ui}/assets/raw/leaderboard?view=checks")
    wait_for_text(driver, "leaderboard_expectations")
    driver.get(f"{dagster_ui}/assets/published/warehouse?view=checks")
    wait_for_text(driver, "working_database_audited", "copy_matches_working", "published_file_opens_read_only")

    launched_after = time.time()
    launch_materialize_all(driver, dagster_ui)
    run = wait_for_ui_run(settings, launched_after)

    driver.get(f"{dagster_ui}/runs/{run.run_id}")
    wait_for_text(driver, "Success" if run.status == dg.DagsterRunStatus.SUCCESS else "Failure")
    driver.save_screenshot(str(artifacts_dir() / "ui_run.png"))
    assert run.status == dg.DagsterRunStatus.SUCCESS, f"run {run.run_id}: {run.status}"
    assert failed_checks(settings, run.run_id) == []
    assert (settings.report_dir / "findings.html").stat().st_mtime >= launched_after
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select run_id from meta.publication").fetchone() == (run.run_id,)

    driver.get(asset_graph_url(dagster_ui))
    wait_for_text(driver, "leaderboard", "warehouse", "findings")
    time.sleep(2)  # the nodes take their materialised colours
    driver.save_screenshot(str(artifacts_dir() / "asset_graph.png"))
    docs_screenshot(driver, "dagster_asset_graph.png")


@pytest.fixture(scope="module")
def findings_html(settings: Settings) -> Path:
    """The report of a real materialisation, with the paper's and the weekly job's figures: the
    UI's run above rewrites it; run alone, the session build's own (`make run`'s), copied."""
    path = settings.report_dir / "findings.html"
    assert path.exists(), "the copy of the session build holds its report"
    return path


def test_report_page_shows_every_figure_with_no_console_error_and_no_request(findings_html, driver):
    driver.set_window_size(1280, 1000)
    leave_page(driver)
    driver.get(findings_html.as_uri())
    # Under load Chromium may report the document complete before it has decoded every image.
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete'"
            " && Array.from(document.images).every(img => img.complete && img.naturalWidth > 0)"
        )
    )

    images = driver.execute_script(
        """return Array.from(document.images).map(img => {
             const box = img.getBoundingClientRect(), style = getComputedStyle(img);
             return {alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth,
                     width: box.width, height: box.height, display: style.display,
                     visibility: style.visibility, src: img.currentSrc.slice(0, 22)};  // the scheme and type
           })"""
    )
    assert [image["alt"] for image in images] == [module.TITLE for module in CHART_MODULES.values()]
    for image in images:
        assert image["complete"] and image["naturalWidth"] > 0, image
        assert image["width"] > 200 and image["height"] > 100, image
        assert image["display"] != "none" and image["visibility"] == "visible", image
        assert image["src"] == "data:image/png;base64,", image
    verdicts = driver.find_elements(By.CSS_SELECTOR, "#claims tbody .verdict")
    assert len(verdicts) == len(CLAIMS) and all(v.is_displayed() and v.text for v in verdicts)
    assert console_errors(driver) == []
    assert {url for url in requested_urls(driver) if not url.startswith("data:")} == {findings_html.as_uri()}

    driver.save_screenshot(str(artifacts_dir() / "findings_report.png"))
    docs_screenshot(driver, "findings_report.png")


def mark_items(driver: WebDriver) -> int:
    """Items drawn in the figure's marks (bars, points, line segments' paths)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#vis g.role-mark')).reduce((n, g) => n + g.children.length, 0)"
    )


def x_labels(driver: WebDriver) -> list[str]:
    """The axis labels shown, sorted (Vega's SVG renderer reuses label nodes in any order)."""
    return sorted(label.text for label in driver.find_elements(By.CSS_SELECTOR, "#vis g.role-axis-label text")
                  if label.text)


def test_figure_pages_filter_by_legend_and_brush_offline(findings_html, settings, driver):
    """Every figure's HTML from the same run: drawn with no error and no request; a legend click
    filters the categorised charts, a drag on the strip zooms the time-axis charts."""
    from orchestration.defs.figures.assets import chart_interactivity

    driver.set_window_size(1200, 900)
    for mart, module in CHART_MODULES.items():
        page = settings.figures_dir / f"{mart}.html"
        interactivity = chart_interactivity(module)
        leave_page(driver)
        driver.get(page.as_uri())
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!window.vegaView"), message=mart)
        drawn = mark_items(driver)
        assert drawn > 0, mart

        if interactivity.category:
            symbols = driver.find_elements(By.CSS_SELECTOR, "#vis g.role-legend-symbol path")
            assert len(symbols) > 1, mart
            symbols[0].click()
            WebDriverWait(driver, 10).until(lambda d: mark_items(d) < drawn, message=f"{mart}: legend click filters")
            one = mark_items(driver)
            ActionChains(driver).key_down(Keys.SHIFT).click(symbols[1]).key_up(Keys.SHIFT).perform()
            WebDriverWait(driver, 10).until(lambda d: mark_items(d) > one, message=f"{mart}: shift-click adds")
            ActionChains(driver).double_click(driver.find_element(By.CSS_SELECTOR, "#vis svg")).perform()
            WebDriverWait(driver, 10).until(lambda d: mark_items(d) == drawn, message=f"{mart}: double-click resets")
        if interactivity.time:
            before = x_labels(driver)
            strip = next(background for background in driver.find_elements(By.CSS_SELECTOR, "#vis path.background")
                         if round(background.rect["height"]) == OVERVIEW_HEIGHT)
            width = strip.rect["width"]
            (ActionChains(driver).move_to_element_with_offset(strip, int(width * 0.1), 0).click_and_hold()
             .move_by_offset(int(width * 0.3), 0).release().perform())
            WebDriverWait(driver, 10).until(
                lambda d: d.execute_script(f"return Object.keys(vegaView.signal('{BRUSH_PARAM}')).length") == 1,
                message=f"{mart}: the strip brushes",
            )
            WebDriverWait(driver, 10).until(lambda d: x_labels(d) != before, message=f"{mart}: the brush zooms")
            assert mark_items(driver) < drawn, f"{mart}: the main view shows only the brushed period"
            driver.save_screenshot(str(artifacts_dir() / f"figure_{mart}_brushed.png"))
            ActionChains(driver).double_click(strip).perform()
            WebDriverWait(driver, 10).until(lambda d: x_labels(d) == before, message=f"{mart}: double-click resets")

        assert console_errors(driver) == [], mart
        assert {url for url in requested_urls(driver) if not url.startswith("data:")} == {page.as_uri()}, mart


# ------------------------------------------------------------------------------------------
# Scheduled work under the real daemon: `dagster dev` above runs the Dagster daemon, which
# evaluates the landing sensor and launches the runs it requests, as `make ui` does for users.
# ------------------------------------------------------------------------------------------

SENSOR = "leaderboard_v2_landing_sensor"
START_SENSOR = """
mutation($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status } }
    ... on PythonError { message }
  }
}"""


def graphql(base: str, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def sensor_runs(settings: Settings) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        records = instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/sensor_name": SENSOR}))
    return sorted((r.dagster_run for r in records), key=lambda run: run.tags.get("dagster/partition", ""))


def wait_for_sensor_runs(settings: Settings, count: int) -> list[dg.DagsterRun]:
    """The sensor's runs once `count` of them exist and all have finished."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        runs = sensor_runs(settings)
        if len(runs) >= count and all(run.is_finished for run in runs):
            return runs
        time.sleep(2)
    pytest.fail(f"the daemon did not finish {count} run(s) of {SENSOR} within {RUN_TIMEOUT}s: {sensor_runs(settings)}")


def published_weeks(settings: Settings) -> dict[str, bool]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return {str(week): has for week, has in conn.execute(
            "select week_start, has_snapshot from marts.weekly_leaderboard_v2").fetchall()}


def drop_file(landing: Path, source: Path, day: date, *, header_renamed: bool = False) -> Path:
    """A weekly file dated `day`, copied into the landing directory as a download lands: written
    beside it, then renamed in (the sensor never sees half a file)."""
    text = gzip.decompress(source.read_bytes()).decode("utf-8")
    if header_renamed:  # an unannounced layout (its second column renamed): the gate must block it
        header, rest = text.split("\n", 1)
        columns = header.split(",")
        columns[1] += "_renamed"
        text = ",".join(columns) + "\n" + rest
    target = landing / f"huggingface_v2_{day.isoformat()}.csv.gz"
    partial = landing.parent / (target.name + ".part")
    partial.write_bytes(gzip.compress(text.encode("utf-8")))
    partial.rename(target)
    return target


def test_the_daemon_turns_dropped_files_into_published_weeks_and_a_bad_file_blocks_only_itself(
    dagster_ui, settings, generated_weekly_files
):
    """The landing sensor switched on (the UI's toggle, through the same GraphQL call): a file
    that fails its gate starts a run by itself that publishes nothing; the next good file starts
    its own run, which publishes its week (a blocked file blocks only itself)."""
    from orchestration.defs.leaderboard_v2.reader import sunday_week_start
    from orchestration.wap.versions import PublishTarget, current_version

    landing = settings.landing_dir
    last = generated_weekly_files[-1]
    last_day = date.fromisoformat(last.name.removeprefix("huggingface_v2_").removesuffix(".csv.gz"))
    bad, good = (last_day + timedelta(days=days) for days in (7, 14))
    target = PublishTarget.from_settings(settings)
    published = current_version(target).version_id

    started = graphql(dagster_ui, START_SENSOR, {"selector": {
        "repositoryLocationName": "orchestration.definitions", "repositoryName": "__repository__", "sensorName": SENSOR}})
    assert started["data"]["startSensor"]["sensorState"]["status"] == "RUNNING", started

    drop_file(landing, last, bad, header_renamed=True)
    (blocked,) = wait_for_sensor_runs(settings, 1)
    assert blocked.status == dg.DagsterRunStatus.FAILURE, f"run {blocked.run_id}: {blocked.status}"
    assert blocked.tags["dagster/partition"] == sunday_week_start(bad).isoformat()
    assert current_version(target).version_id == published, "a blocked file published nothing"

    drop_file(landing, last, good)
    runs = wait_for_sensor_runs(settings, 2)
    (second,) = [run for run in runs if run.run_id != blocked.run_id]
    assert second.status == dg.DagsterRunStatus.SUCCESS, f"run {second.run_id}: {second.status}"
    assert second.tags["dagster/partition"] == sunday_week_start(good).isoformat()
    assert current_version(target).version_id > published
    weeks = published_weeks(settings)
    assert weeks[sunday_week_start(good).isoformat()] is True
    assert weeks.get(sunday_week_start(bad).isoformat()) is not True, "the blocked week has no snapshot"
