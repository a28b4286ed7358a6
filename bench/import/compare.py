#!/usr/bin/env python3
"""Checks that two import databases (ours, the peer's) hold the same samples.

Compares: the sample and workload counts; per column, the count of non-NULL values and
their sum (relative tolerance 1e-9; the conversions are the same IEEE operations on the
same correctly rounded parses, so the sums agree to the last bits in practice); the
limits and median interval of every workload; and every row of a few workloads, joined by
workload name and timestamp, exactly.

Exit status 0 when they agree, 1 (with what differs on standard error) otherwise.

Usage: compare.py OURS.sqlite PEER.sqlite
"""

import math
import sqlite3
import sys

COLUMNS = ["timestamp", "cpu_cores", "memory_bytes", "disk_read_bytes_per_second",
           "disk_write_bytes_per_second", "network_receive_bytes_per_second",
           "network_transmit_bytes_per_second"]
WORKLOAD_COLUMNS = ["name", "interval_seconds", "limit_cpu_cores", "limit_memory_bytes"]
RELATIVE_TOLERANCE = 1e-9
SPOT_CHECK_WORKLOADS = 5


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)


def main():
    ours_path, peer_path = sys.argv[1:3]
    ours = sqlite3.connect(f"file:{ours_path}?mode=ro", uri=True)
    peer = sqlite3.connect(f"file:{peer_path}?mode=ro", uri=True)
    problems = []

    aggregates = ", ".join(["count(*)"] + [f"count({c}), total({c})" for c in COLUMNS])
    a = ours.execute(f"SELECT {aggregates} FROM samples").fetchone()
    b = peer.execute(f"SELECT {aggregates} FROM samples").fetchone()
    if a[0] != b[0]:
        problems.append(f"sample count: ours {a[0]}, peer {b[0]}")
    for k, column in enumerate(COLUMNS):
        (na, sa), (nb, sb) = a[1 + 2 * k: 3 + 2 * k], b[1 + 2 * k: 3 + 2 * k]
        if na != nb:
            problems.append(f"{column}: non-NULL values ours {na}, peer {nb}")
        if not close(sa, sb):
            problems.append(f"{column}: sum ours {sa!r}, peer {sb!r}")

    query = f"SELECT {', '.join(WORKLOAD_COLUMNS)} FROM workloads ORDER BY name"
    wa, wb = ours.execute(query).fetchall(), peer.execute(query).fetchall()
    if [w[0] for w in wa] != [w[0] for w in wb]:
        problems.append(f"workload names differ: ours {len(wa)}, peer {len(wb)}")
    else:
        for x, y in zip(wa, wb):
            for column, u, v in zip(WORKLOAD_COLUMNS[1:], x[1:], y[1:]):
                if not close(u, v):
                    problems.append(f"workload {x[0]}: {column} ours {u!r}, peer {v!r}")

    # Every row of a few workloads, spread over the name order.
    names = [w[0] for w in wa]
    step = max(1, len(names) // SPOT_CHECK_WORKLOADS)
    rows_checked = 0
    row_query = (f"SELECT {', '.join('s.' + c for c in COLUMNS)} FROM samples s "
                 "JOIN workloads w ON w.id = s.workload_id WHERE w.name = ? ORDER BY s.timestamp")
    for name in names[::step][:SPOT_CHECK_WORKLOADS]:
        ra, rb = ours.execute(row_query, (name,)).fetchall(), peer.execute(row_query, (name,)).fetchall()
        if ra != rb:
            differing = sum(1 for x, y in zip(ra, rb) if x != y) + abs(len(ra) - len(rb))
            first = next(((x, y) for x, y in zip(ra, rb) if x != y), None)
            problems.append(f"workload {name}: {differing} row(s) differ (ours {len(ra)}, peer {len(rb)} rows); first: {first}")
        rows_checked += len(ra)

    if problems:
        for p in problems[:20]:
            print(f"MISMATCH: {p}", file=sys.stderr)
        sys.exit(1)
    print(f"agree: {a[0]} samples, {len(wa)} workloads, column sums within {RELATIVE_TOLERANCE:g} relative, "
          f"{rows_checked} rows of {min(SPOT_CHECK_WORKLOADS, len(names))} workloads identical")


if __name__ == "__main__":
    main()
