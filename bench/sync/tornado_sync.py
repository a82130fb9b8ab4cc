"""Python Tornado's locks and queues on the workloads of `benches/sync.rs`.

Prints one line per workload with the time per operation (one acquire+release, or one item
through the queue), the best of several runs. Run through `bench/sync/run.sh`.
"""

import asyncio
import sys
import time

import tornado
from tornado.locks import Lock, Semaphore
from tornado.queues import Queue

CONTENDERS = 100
ITEMS = 10_000
QUEUE_BOUND = 128
REPEATS = 5


async def lock_uncontended(n):
    lock = Lock()
    start = time.perf_counter()
    for _ in range(n):
        await lock.acquire()
        lock.release()
    return time.perf_counter() - start, n


async def contended(make, n):
    """CONTENDERS tasks take `make()`'s primitive, yield while holding it, release."""
    prim = make()
    rounds = max(1, n // CONTENDERS)

    async def task():
        for _ in range(rounds):
            async with prim:
                await asyncio.sleep(0)

    start = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(CONTENDERS)))
    return time.perf_counter() - start, rounds * CONTENDERS


async def semaphore_uncontended(n):
    sem = Semaphore(4)
    start = time.perf_counter()
    for _ in range(n):
        await sem.acquire()
        sem.release()
    return time.perf_counter() - start, n


async def queue_throughput(pairs):
    q = Queue(maxsize=QUEUE_BOUND)
    per_task = ITEMS // pairs

    async def producer():
        for i in range(per_task):
            await q.put(i)

    async def consumer():
        for _ in range(per_task):
            await q.get()

    start = time.perf_counter()
    await asyncio.gather(*(f() for _ in range(pairs) for f in (producer, consumer)))
    return time.perf_counter() - start, per_task * pairs


async def queue_same_task(n):
    q = Queue(maxsize=QUEUE_BOUND)
    start = time.perf_counter()
    for i in range(n):
        await q.put(i)
        await q.get()
    return time.perf_counter() - start, n


WORKLOADS = [
    ("lock_uncontended_acquire_release", lambda: lock_uncontended(100_000)),
    ("lock_contended_100_tasks", lambda: contended(Lock, 20_000)),
    ("semaphore/uncontended", lambda: semaphore_uncontended(100_000)),
    (
        "semaphore/contended_100_tasks_4_permits",
        lambda: contended(lambda: Semaphore(4), 20_000),
    ),
    ("queue_put_get_throughput/1", lambda: queue_throughput(1)),
    ("queue_put_get_throughput/8", lambda: queue_throughput(8)),
    ("queue_put_get_same_task", lambda: queue_same_task(50_000)),
]


def main():
    print(f"# Python {sys.version.split()[0]}, Tornado {tornado.version}")
    for name, make in WORKLOADS:
        best = None
        for _ in range(REPEATS):
            seconds, ops = asyncio.run(make())
            per_op = seconds / ops
            best = per_op if best is None else min(best, per_op)
        print(f"{name:45s} {best * 1e9:10.1f} ns/op")


if __name__ == "__main__":
    main()
