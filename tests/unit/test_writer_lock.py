"""One writing run at a time (orchestration/wap/writer_lock.py): a second run waits, names the
run it waits for, starts when the first ends or dies; whole Dagster runs do not interleave."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration.resources import WriterLockResource
from orchestration.wap.writer_lock import hold_writer_lock, lock_path


def test_a_second_writer_waits_for_the_first_and_names_it(tmp_path: Path):
    released, order, messages = threading.Event(), [], []

    def first():
        with hold_writer_lock(tmp_path, "run-a", log=messages.append):
            order.append("a holds")
            released.wait(10)
            order.append("a releases")

    holder = threading.Thread(target=first)
    holder.start()
    while "a holds" not in order:
        time.sleep(0.01)
    second = threading.Thread(target=lambda: _hold(tmp_path, "run-b", order, messages))
    second.start()
    time.sleep(0.5)
    assert order == ["a holds"], "the second writer must wait while the first holds the lock"
    waiting = [m for m in messages if m.startswith("waiting")]
    assert len(waiting) == 1 and "run run-a (process" in waiting[0], messages
    released.set()
    holder.join(5)
    second.join(5)
    assert order == ["a holds", "a releases", "b holds"]
    assert any("free after" in m for m in messages)
    assert "run-b" in lock_path(tmp_path).read_text(encoding="utf-8"), "the holder writes down who it is"


def _hold(work_dir: Path, run_id: str, order: list[str], messages: list[str]) -> None:
    with hold_writer_lock(work_dir, run_id, log=messages.append):
        order.append("b holds")


def test_a_killed_holder_leaves_nothing_to_clean_up(tmp_path: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time\n"
            "from pathlib import Path\n"
            "from orchestration.wap.writer_lock import hold_writer_lock\n"
            f"with hold_writer_lock(Path({str(tmp_path)!r}), 'killed-run', log=print):\n"
            "    print('holding', flush=True)\n"
            "    time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        acquired, messages = threading.Event(), []
        waiter = threading.Thread(target=lambda: _acquire(tmp_path, acquired, messages))
        waiter.start()
        assert not acquired.wait(1.0), "the lock is held by the live process"
        assert any("killed-run" in m for m in messages)
        holder.send_signal(signal.SIGKILL)
        holder.wait(5)
        assert acquired.wait(5), "the kernel drops a killed holder's lock"
        waiter.join(5)
    finally:
        holder.kill()
        holder.wait()


def _acquire(work_dir: Path, acquired: threading.Event, messages: list[str]) -> None:
    with hold_writer_lock(work_dir, "next-run", log=messages.append):
        acquired.set()


class NoLock(WriterLockResource):
    """The control: the same resource, holding nothing."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["NoLock"]:
        yield self


def _writing_assets(spans: list[tuple[str, str, float, float]]) -> list[dg.AssetsDefinition]:
    """Two writing steps per run (a raw load, then the build after it), each recording when it ran."""

    def step(name: str, context: dg.AssetExecutionContext) -> None:
        start = time.monotonic()
        time.sleep(0.3)
        spans.append((context.run_id, name, start, time.monotonic()))

    @dg.asset
    def load(context: dg.AssetExecutionContext, writer_lock: WriterLockResource) -> None:
        step("load", context)

    @dg.asset(deps=[load])
    def build(context: dg.AssetExecutionContext, writer_lock: WriterLockResource) -> None:
        step("build", context)

    return [load, build]


def _two_runs_at_once(tmp_path: Path, *, with_lock: bool) -> list[tuple[str, str, float, float]]:
    spans: list[tuple[str, str, float, float]] = []
    assets = _writing_assets(spans)
    resources = {"writer_lock": (WriterLockResource if with_lock else NoLock)(work_dir=str(tmp_path))}
    results = []
    threads = [threading.Thread(target=lambda: results.append(dg.materialize(assets, resources=resources)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and all(r.success for r in results)
    return sorted(spans, key=lambda s: s[2])


def test_two_dagster_runs_at_once_write_one_after_the_other(tmp_path: Path):
    spans = _two_runs_at_once(tmp_path, with_lock=True)
    runs = [run_id for run_id, *_ in spans]
    assert runs[0] == runs[1] and runs[2] == runs[3] and runs[0] != runs[2], f"runs interleaved: {spans}"
    assert spans[1][3] <= spans[2][2], "the second run starts writing after the first ends"


def test_without_the_lock_the_same_two_runs_interleave(tmp_path: Path):
    """The control: the test above fails without the resource (this machine runs both at once)."""
    spans = _two_runs_at_once(tmp_path, with_lock=False)
    assert spans[0][0] != spans[1][0] and spans[1][2] < spans[0][3], f"the runs did not overlap: {spans}"


WAITING_RUN = """
import dagster as dg
from orchestration.resources import WriterLockResource

@dg.asset
def load(writer_lock: WriterLockResource) -> None:
    print("wrote", flush=True)

result = dg.materialize([load], resources={"writer_lock": WriterLockResource(work_dir=%r)}, raise_on_error=False)
print("run succeeded" if result.success else "run failed", flush=True)
"""


def test_a_run_cancelled_while_it_waits_stops_at_once_and_writes_nothing(tmp_path: Path):
    """Dagster stops a run with SIGINT (the UI's Terminate, Ctrl-C on `make run`)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    with hold_writer_lock(tmp_path, "holding-run", log=lambda _: None):
        waiter = subprocess.Popen([sys.executable, "-c", WAITING_RUN % str(tmp_path)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(waiter.stdout), daemon=True).start()
        deadline = time.monotonic() + 60
        while not any("waiting for the working database" in line for line in lines):
            assert waiter.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        cancelled = time.monotonic()
        waiter.send_signal(signal.SIGINT)
        waiter.wait(10)
        stopped_after = time.monotonic() - cancelled
    output = "".join(lines)
    assert stopped_after < 5, f"stopped {stopped_after:.1f} s after the signal"
    assert "run failed" in output and "wrote" not in output, output
