"""Wall time of a default ``vista-contract`` run against the correct example client, in both modes.

Targets on the 2-core reference machine: in-process under 30 s, JSON lines under 120 s.

    python benchmarks/bench_contract.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VISTA_CONTRACT = str(Path(sys.executable).with_name("vista-contract"))
MODES = {
    "in-process (Python factory, virtual time)": ["--client", "vista_fixtures.clients.good:make_client"],
    "JSON lines (Python process, real time)": ["--client-cmd", f"{sys.executable} {ROOT / 'fixtures/clients/good.py'}"],
    "JSON lines (Node.js process, real time)": [
        "--client-cmd",
        f"node {ROOT / 'fixtures/clients/node/good-client.mjs'}",
    ],
}


def once(args: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    result = subprocess.run([VISTA_CONTRACT, *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    headline = next((line for line in result.stdout.splitlines() if line.startswith("vista-contract:")), "")
    return elapsed, result.returncode, headline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"default vista-contract run against the correct client, {args.runs} runs each (wall time, launch to exit)")
    for label, argv in MODES.items():
        results = [once(argv) for _ in range(args.runs)]
        times = [t for t, _, _ in results]
        codes = sorted({code for _, code, _ in results})
        scenarios = results[-1][2].split(": ")[-1].split(" (")[0] if results[-1][2] else "?"
        print(
            f"  {label:<44} median {statistics.median(times):6.1f} s  min {min(times):6.1f} s  "
            f"max {max(times):6.1f} s  exit {codes}  ({scenarios})"
        )


if __name__ == "__main__":
    main()
