"""Start-up time of ``vista-mock serve``: from launch to the first 200 on ``/healthz``.

python benchmarks/bench_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests
from _serve import start, stop


def once() -> float:
    started = time.perf_counter()
    process, url = start()
    try:
        while True:
            try:
                if requests.get(url + "/healthz", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                continue
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    once()  # warm the file cache
    times = [once() for _ in range(args.runs)]
    print(f"vista-mock serve start-up, launch to first 200 on /healthz, {args.runs} runs")
    print(
        f"  median {statistics.median(times) * 1000:.0f} ms   "
        f"min {min(times) * 1000:.0f} ms   max {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
