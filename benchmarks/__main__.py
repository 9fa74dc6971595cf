"""`python -m benchmarks [--database sqlite] [--database postgres]`: every benchmark, one after the other,
each in its own process -- those without a database once, the others on each database given (default
SQLite); a summary of their RESULT lines at the end. Exits non-zero when a target was missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from . import common, processes

# The runnable ones, by module; the other modules here (common, processes, portal_user, portal_data,
# conformance_apis) only serve them.
BENCHMARKS = ("conformance", "client_cpu", "edit_page", "save_overhead", "meeting_list", "throughput", "bulk_rename")
# The conformance check and the client benchmark have no database.
WITH_DATABASE = set(BENCHMARKS) - {"conformance", "client_cpu"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        action="append",
        choices=("sqlite", "postgres"),
        help="sqlite or postgres; give it twice for both (default: sqlite)",
    )
    parser.add_argument("only", nargs="*", help=f"run only these of {', '.join(BENCHMARKS)}")
    options = parser.parse_args(argv)
    unknown = set(options.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"no benchmark {', '.join(sorted(unknown))}")
    databases = options.database or ["sqlite"]
    runs = [(name, None) for name in options.only or BENCHMARKS if name not in WITH_DATABASE]
    runs += [(name, database) for database in databases for name in options.only or BENCHMARKS if name in WITH_DATABASE]
    results, failed = [], []
    print(f"Machine: {processes.machine_load()}", flush=True)
    for name, database in runs:
        print(f"\n== benchmarks.{name}" + (f" --database {database}" if database else ""), flush=True)
        command = [sys.executable, "-m", f"benchmarks.{name}"]
        if database:
            command += ["--database", database]
        completed = subprocess.run(command, cwd=common.ROOT, stdout=subprocess.PIPE, text=True)
        print(completed.stdout, end="", flush=True)
        tag = f"[{database}] " if database else ""
        results += [tag + line for line in completed.stdout.splitlines() if line.startswith("RESULT")]
        if completed.returncode:
            failed.append(name + (f" ({database})" if database else ""))
    print(f"\n== summary (at the end: {processes.machine_load()})")
    print("\n".join(results))
    if failed:
        print(f"missed or failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
