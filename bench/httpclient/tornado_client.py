"""Python Tornado's AsyncHTTPClient for the HTTP client benchmark: N GETs of URL, C at a time
(max_clients=C). Tornado's default client (simple_httpclient) opens a connection per request.

Prints one line: client=python-tornado requests=N seconds=S rps=R cpu_us_per_req=X errors=E
"""
import argparse
import asyncio
import os
import time

from tornado.httpclient import AsyncHTTPClient


async def main(url: str, requests: int, concurrency: int) -> None:
    client = AsyncHTTPClient(max_clients=concurrency)
    remaining = requests
    errors = 0

    async def worker() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            try:
                await client.fetch(url)
            except Exception:
                errors += 1

    cpu0 = sum(os.times()[:2])
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    secs = time.perf_counter() - t0
    cpu = sum(os.times()[:2]) - cpu0
    print(
        f"client=python-tornado requests={requests} seconds={secs:.3f} "
        f"rps={requests / secs:.0f} cpu_us_per_req={cpu * 1e6 / requests:.2f} errors={errors}"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8888/")
    p.add_argument("--requests", type=int, default=100_000)
    p.add_argument("--concurrency", type=int, default=32)
    a = p.parse_args()
    asyncio.run(main(a.url, a.requests, a.concurrency))
