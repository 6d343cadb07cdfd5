"""`python -m benchmarks.measured_child RUSAGE.json COMMAND...`: run COMMAND, wait for it, and
write its exit code and peak RSS (bytes) to RUSAGE.json.

Why a launcher: on Linux a child's peak RSS (wait4's ru_maxrss) starts at the size of the
process that spawned it (fork copies its memory; even posix_spawn's vfork records the parent's
high-water mark at exec). The benchmark harness grows to hundreds of MB; this launcher is small
and imports nothing heavy, so the peak it reports is the command's own (or the launcher's ~10 MB,
whichever is larger), including the children the command waited for.
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    out_path, command = argv[0], argv[1:]
    pid = os.posix_spawn(command[0], command, os.environ)
    _pid, status, rusage = os.wait4(pid, 0)
    exit_code = os.waitstatus_to_exitcode(status)
    with open(out_path, "w") as out:
        json.dump({"exit_code": exit_code, "peak_rss_bytes": rusage.ru_maxrss * 1024}, out)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
