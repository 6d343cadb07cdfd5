"""`python -m benchmarks.measured_child RUSAGE.json MAX_RSS_BYTES COMMAND...`: run COMMAND, wait
for it, and write its exit code and peak RSS (bytes) to RUSAGE.json.

Why a launcher: on Linux a child's peak RSS (wait4's ru_maxrss) starts at the size of the
process that spawned it (fork copies its memory; even posix_spawn's vfork records the parent's
high-water mark at exec). The benchmark harness grows to hundreds of MB; this launcher is small
and imports nothing heavy, so the peak it reports is the command's own (or the launcher's ~10 MB,
whichever is larger), including the children the command waited for.

It also guards the machine: when the command and its children together hold more than
MAX_RSS_BYTES (0 = no guard), they are killed and the file says so, instead of the kernel's OOM
killer picking a victim among every process of the machine.
"""

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path


def tree_rss_bytes(pid: int) -> int:
    """The resident memory of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def main(argv: list[str]) -> int:
    out_path, max_rss, command = argv[0], int(argv[1]), argv[2:]
    pid = os.posix_spawn(command[0], command, os.environ, setsid=True)
    killed: dict[str, int] = {}

    def guard() -> None:
        while "done" not in killed:
            rss = tree_rss_bytes(pid)
            if rss > max_rss:
                killed["rss"] = rss
                os.killpg(pid, signal.SIGKILL)
                return
            time.sleep(0.5)

    watcher = threading.Thread(target=guard, daemon=True)
    if max_rss > 0:
        watcher.start()
    _pid, status, rusage = os.wait4(pid, 0)
    killed["done"] = 1
    exit_code = os.waitstatus_to_exitcode(status)
    result = {"exit_code": exit_code, "peak_rss_bytes": rusage.ru_maxrss * 1024}
    if "rss" in killed:
        result["killed_at_rss_bytes"] = killed["rss"]
    with open(out_path, "w") as out:
        json.dump(result, out)
    return 0 if exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
