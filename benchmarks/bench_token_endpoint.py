"""Tokens issued per second by ``vista-mock serve`` (RS256 signing over real HTTP on loopback).

The server runs in its own process with the budget off; CLIENTS threads in this process each
keep one connection open and request tokens back to back.

    python benchmarks/bench_token_endpoint.py [--requests 2000] [--clients 1,4,8]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from _serve import start, stop

BODY = {
    "client_id": "mock-client",
    "client_secret": "mock-secret",
    "grant_type": "client_credentials",
    "audience": "https://partner.vista.co/",
    "tenant_code": "mock-tenant",
}


def run(url: str, total: int, clients: int) -> tuple[float, list[float]]:
    per_client = total // clients

    def worker(_: int) -> list[float]:
        latencies = []
        with requests.Session() as session:
            for _ in range(per_client):
                started = time.perf_counter()
                response = session.post(url + "/oauth/token", json=BODY, timeout=30)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [lat for chunk in pool.map(worker, range(clients)) for lat in chunk]
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", default="1,4,8")
    args = parser.parse_args()
    process, url = start("--token-limit", "off")
    try:
        run(url, 100, 1)  # warm up
        print(f"token endpoint, {args.requests} requests per run, server: vista-mock serve (waitress, 8 threads)")
        for clients in (int(c) for c in args.clients.split(",")):
            rate, latencies = run(url, args.requests, clients)
            p50 = statistics.median(latencies) * 1000
            p99 = statistics.quantiles(latencies, n=100)[98] * 1000
            print(f"  {clients:>2} client(s): {rate:7.0f} tokens/s   p50 {p50:5.2f} ms   p99 {p99:5.2f} ms")
    finally:
        stop(process)


if __name__ == "__main__":
    main()
