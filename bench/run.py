"""Run every benchmark in turn (``make bench``); each prints its own table and ratios."""

from __future__ import annotations

import subprocess
import sys

BENCHES = [
    ["bench.transport"],
    ["bench.dossiers"],
    ["bench.population"],
    ["bench.payments"],
    ["bench.audit"],
    ["bench.audit_gateway", "--postgres"],
]


def main() -> int:
    failed = []
    for bench in BENCHES:
        print(f"\n=== {' '.join(bench)} ===", flush=True)
        if subprocess.call([sys.executable, "-m", *bench]) != 0:
            failed.append(bench[0])
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
