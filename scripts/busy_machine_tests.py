"""Run the end-to-end and browser tests beside two CPU-burning processes, several times (issue 23).

The suite must pass on a busy machine: no test may depend on a wall-clock margin. This starts two
processes that each keep a core busy (`while 1: pass`), runs `pytest tests/e2e` (the browser tests are in
tests/e2e/browser) `--runs` times, stops the burners, and prints each run's outcome. Exit status 0 only
when every run passed.

    .venv/bin/python scripts/busy_machine_tests.py [--runs 5] [--burners 2] [pytest arguments...]

With PostgreSQL: prefix DATABASE_URL=postgres://… as for the suite.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=2)
    options, pytest_args = parser.parse_known_args(argv)
    command = [sys.executable, "-m", "pytest", "tests/e2e", "-q", "-p", "no:randomly", *pytest_args]
    burners = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(options.burners)]
    outcomes = []
    try:
        for run in range(1, options.runs + 1):
            started = time.monotonic()
            status = subprocess.call(command, cwd=BASE_DIR)
            outcomes.append(status)
            print(
                f"run {run}: {'passed' if status == 0 else f'FAILED (exit {status})'} in "
                f"{time.monotonic() - started:.0f} s, beside {options.burners} CPU burners",
                flush=True,
            )
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    print(f"{outcomes.count(0)} of {len(outcomes)} runs passed")
    return 0 if outcomes and all(status == 0 for status in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
