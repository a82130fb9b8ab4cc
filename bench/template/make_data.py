#!/usr/bin/env python3
"""Writes data.json, the namespace both benchmarks render with (100 table rows)."""
import json
import os

rows = [
    {
        "id": i,
        "name": "Item <%d> & \"friends\"" % i,
        "price": round(i * 1.25 + 0.99, 2),
        "tags": ["tag%d" % (i % 7), "o'clock", "x<y"][: 1 + i % 3],
        "stock": (i * 37) % 11 - 2,
    }
    for i in range(100)
]
data = {
    "current": "/shop",
    "nav": [{"title": t, "url": u} for t, u in [("Home", "/"), ("Shop", "/shop"), ("About & contact", "/about?x=1&y=2")]],
    "rows": rows,
    "site": "Shop & Co",
    "title": "All <products>",
    "user": {"email": "ann@example.com", "name": "Ann O'Neil"},
    "year": 2024,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data.json"), "w") as f:
    json.dump(data, f, indent=1, sort_keys=True)
    f.write("\n")
