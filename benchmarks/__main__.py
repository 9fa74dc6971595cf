"""`python -m benchmarks [--database sqlite|postgres]`: every benchmark, one after the other, each in its own
process; a summary of their RESULT lines at the end. Exits non-zero when a target was missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from . import common

BENCHMARKS = ("client_cpu", "edit_page", "save_overhead", "meeting_list", "throughput",
              "bulk_rename")
# The client benchmark has no database.
WITH_DATABASE = set(BENCHMARKS) - {"client_cpu"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or postgres")
    parser.add_argument("only", nargs="*", help=f"run only these of {', '.join(BENCHMARKS)}")
    options = parser.parse_args(argv)
    unknown = set(options.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"no benchmark {', '.join(sorted(unknown))}")
    results, failed = [], []
    for name in options.only or BENCHMARKS:
        print(f"\n== benchmarks.{name}", flush=True)
        command = [sys.executable, "-m", f"benchmarks.{name}"]
        if name in WITH_DATABASE:
            command += ["--database", options.database]
        completed = subprocess.run(command, cwd=common.ROOT, stdout=subprocess.PIPE, text=True)
        print(completed.stdout, end="", flush=True)
        results += [line for line in completed.stdout.splitlines() if line.startswith("RESULT")]
        if completed.returncode:
            failed.append(name)
    print("\n== summary")
    print("\n".join(results))
    if failed:
        print(f"missed or failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
