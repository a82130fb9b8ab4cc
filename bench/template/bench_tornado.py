#!/usr/bin/env python3
"""Renders bench/template/templates/page.html with Python Tornado and prints the time per
render, for comparison with `cargo bench --bench template`.

    pip install tornado==6.3.3
    python3 bench/template/bench_tornado.py            # prints µs per render
    python3 bench/template/bench_tornado.py --output   # prints the page (to diff with Rust)
    python3 bench/template/bench_tornado.py --renders N  # N renders, for compare.sh
"""
import json
import os
import sys
import timeit

from tornado.template import Loader

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "data.json")) as f:
        data = json.load(f)
    loader = Loader(os.path.join(HERE, "templates"))
    page = loader.load("page.html")
    if "--renders" in sys.argv:
        n = int(sys.argv[sys.argv.index("--renders") + 1])
        total = sum(len(page.generate(**data)) for _ in range(n))
        print("%d renders, %d bytes" % (n, total))
        return
    if "--output" in sys.argv:
        sys.stdout.write(page.generate(**data).decode("utf-8"))
        return
    number = 2000
    best = min(timeit.repeat(lambda: page.generate(**data), number=number, repeat=5)) / number
    print("tornado %s: %.1f us per render (%d bytes)" % (
        __import__("tornado").version, best * 1e6, len(page.generate(**data))))


if __name__ == "__main__":
    main()
