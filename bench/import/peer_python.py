#!/usr/bin/env python3
"""Python peer of `headroom-trainer import --format bitbrains`: stdlib `csv` + `sqlite3`.

Loads Bitbrains GWA-T-12 per-VM CSVs (fields separated by ";" then a tab, 11 columns, one
header line) from a directory into the same two tables as Headroom's store, with the same
DDL (copied from the schema GRDB creates, see
Sources/Store/Database/HeadroomStore+Migrations.swift), the same pragmas (WAL,
synchronous=NORMAL, foreign_keys=ON as GRDB enables it by default), one transaction per
file and the same conversions (Sources/Store/Import/Formats/BitbrainsParser.swift):

  cpu_cores = usage_MHz * cores / provisioned_MHz   (provisioned_MHz > 0 and cores > 0)
            = usage_% * cores / 100                  (otherwise)
  bytes     = KB * 1024
  timestamp = Unix seconds; values above 1e11 are milliseconds (divided by 1000)
  NaN/empty -> NULL, negative -> NULL, a row with nothing left is skipped,
  INSERT OR IGNORE keeps the first of duplicate (workload, timestamp) rows.

Workloads are named PREFIX + file stem (so VM 122 of July and of August is one workload);
at the end of a file its limits (CPU cores, memory provisioned) and median sampling
interval fill the still-unset columns, as ours does. Unlike ours, the peer keeps no
SHA-256 digest of its inputs and no `imported_files` rows (ours does, to make re-imports
no-ops).

Prints one JSON line: {"samples": N, "rows": N, "files": N, "seconds": S, "samples_per_second": R}.

Usage: peer_python.py --db PATH [--prefix P] DIR_OR_FILE...
"""

import argparse
import csv
import json
import math
import os
import sqlite3
import sys
import time

WORKLOADS_DDL = (
    'CREATE TABLE IF NOT EXISTS "workloads" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, '
    '"name" TEXT NOT NULL UNIQUE, "source" TEXT NOT NULL, "source_file" TEXT, '
    '"interval_seconds" DOUBLE, "limit_cpu_cores" DOUBLE, "limit_memory_bytes" DOUBLE, '
    '"limit_disk_read_bytes_per_second" DOUBLE, "limit_disk_write_bytes_per_second" DOUBLE, '
    '"limit_network_receive_bytes_per_second" DOUBLE, "limit_network_transmit_bytes_per_second" DOUBLE, '
    '"checkpointable" BOOLEAN NOT NULL DEFAULT 0, "live_migratable" BOOLEAN NOT NULL DEFAULT 0, '
    '"partitionable" BOOLEAN NOT NULL DEFAULT 0, "created_at" INTEGER NOT NULL)'
)

SAMPLES_DDL = """CREATE TABLE samples (
    workload_id INTEGER NOT NULL REFERENCES workloads(id) ON DELETE CASCADE,
    timestamp INTEGER NOT NULL,
    cpu_cores REAL, memory_bytes REAL,
    disk_read_bytes_per_second REAL, disk_write_bytes_per_second REAL,
    network_receive_bytes_per_second REAL, network_transmit_bytes_per_second REAL,
    PRIMARY KEY (workload_id, timestamp)
) WITHOUT ROWID"""

INSERT_SAMPLE = (
    "INSERT OR IGNORE INTO samples (workload_id, timestamp, cpu_cores, memory_bytes, "
    "disk_read_bytes_per_second, disk_write_bytes_per_second, "
    "network_receive_bytes_per_second, network_transmit_bytes_per_second) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

MS_THRESHOLD = 100_000_000_000  # 1e11: above it a timestamp is milliseconds (as ours)
KB = 1024.0


class MalformedRow(Exception):
    pass


def number(text):
    """A field as ours reads it: empty or NaN -> nan; otherwise a decimal number."""
    s = text.strip(" \t")
    if s == "":
        return math.nan
    try:
        value = float(s)
    except ValueError:
        raise MalformedRow(f"expected a decimal number, found {text!r}") from None
    if math.isinf(value):  # ours rejects inf and out-of-range numbers
        raise MalformedRow(f"expected a decimal number, found {text!r}")
    return value


def timestamp(text):
    s = text.strip(" \t")
    try:
        return int(s)
    except ValueError:
        pass
    v = number(s)
    if not math.isfinite(v):
        raise MalformedRow(f"expected a timestamp, found {text!r}")
    return int(math.copysign(math.floor(abs(v) + 0.5), v))  # Swift's .rounded(): half away from zero


def slow_row(row):
    """Any row the fast path could not take: blank/comment lines, wrong field counts,
    empty/NaN/negative values. Returns (ts, cores, mem_prov_kb, values) or None to skip."""
    if not row or (len(row) == 1 and row[0].strip(" \t") == "") or row[0].lstrip(" \t").startswith("#"):
        return None
    if len(row) != 11:
        raise MalformedRow(f"expected 11 fields separated by ';' (Bitbrains GWA-T-12), found {len(row)} fields")
    ts = timestamp(row[0])
    cores, pmhz, umhz, upct, pkb, mkb, dr, dw, nr, nt = (number(x) for x in row[1:])
    if pmhz > 0 and cores > 0:
        cpu = umhz * cores / pmhz
    else:
        cpu = upct * cores / 100
    values = [cpu, mkb * KB, dr * KB, dw * KB, nr * KB, nt * KB]
    values = [v if v >= 0.0 else None for v in values]  # NaN and negatives -> NULL
    return ts, cores, pkb, values


def import_file(conn, path, prefix, now):
    """One file in one transaction (parsing included, as ours). Returns (rows, samples)."""
    stem = os.path.basename(path)
    for suffix in (".gz", ".zst", ".csv", ".txt", ".tsv"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    name = prefix + stem

    batch = []
    append = batch.append
    workload_id = None
    limit_cores = math.nan
    limit_memory_kb = math.nan
    rows = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f, delimiter=";")
            first = next(reader, None)
            pending = []
            if first is not None:
                head = first[0][:1] if first else ""
                if not (head.isascii() and head.isalpha()):
                    pending.append(first)  # no header: the first line is data
            for source in (pending, reader):
                for row in source:
                    try:
                        ts, cores, pmhz, umhz, upct, pkb, mkb, dr, dw, nr, nt = row
                        ts = int(ts)
                        cores = float(cores)
                        pmhz = float(pmhz)
                        pkb = float(pkb)
                        if pmhz > 0 and cores > 0:
                            cpu = float(umhz) * cores / pmhz
                        else:
                            cpu = float(upct) * cores / 100
                        mem = float(mkb) * KB
                        dr = float(dr) * KB
                        dw = float(dw) * KB
                        nr = float(nr) * KB
                        nt = float(nt) * KB
                        # `>= 0` is false for NaN and negatives: such rows take the slow path.
                        if not (cpu >= 0.0 and mem >= 0.0 and dr >= 0.0 and dw >= 0.0 and nr >= 0.0 and nt >= 0.0):
                            raise ValueError
                        values = (cpu, mem, dr, dw, nr, nt)
                    except ValueError:
                        try:
                            parsed = slow_row(row)
                        except MalformedRow as error:
                            raise SystemExit(f"{path}:{reader.line_num}: {error}")
                        if parsed is None:
                            continue  # header-like, comment or blank line
                        ts, cores, pkb, values = parsed
                        if all(v is None for v in values):
                            # Nothing measured: the row is skipped, its limits still count (as ours).
                            rows += 1
                            limit_cores = cores if cores > 0 else limit_cores
                            limit_memory_kb = pkb if pkb > 0 else limit_memory_kb
                            continue
                    rows += 1
                    if cores > 0:
                        limit_cores = cores
                    if pkb > 0:
                        limit_memory_kb = pkb
                    if ts > MS_THRESHOLD:
                        ts //= 1000
                    if workload_id is None:
                        workload_id = resolve_workload(conn, name, path, now)
                    append((workload_id, ts, *values))

        inserted = 0
        if batch:
            before = conn.total_changes
            conn.executemany(INSERT_SAMPLE, batch)
            inserted = conn.total_changes - before

            # Median spacing of the file's distinct timestamps (ours: of the samples it
            # inserted; the same unless the file overlaps rows already in the store).
            distinct = sorted({r[1] for r in batch})
            deltas = sorted(b - a for a, b in zip(distinct, distinct[1:]))
            assignments, arguments = [], []
            if limit_cores == limit_cores:
                assignments.append("limit_cpu_cores = COALESCE(limit_cpu_cores, ?)")
                arguments.append(limit_cores)
            if limit_memory_kb == limit_memory_kb:
                assignments.append("limit_memory_bytes = COALESCE(limit_memory_bytes, ?)")
                arguments.append(limit_memory_kb * KB)
            if deltas:
                assignments.append("interval_seconds = COALESCE(interval_seconds, ?)")
                arguments.append(float(deltas[len(deltas) // 2]))
            if assignments:
                conn.execute(f"UPDATE workloads SET {', '.join(assignments)} WHERE id = ?", (*arguments, workload_id))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return rows, inserted


def resolve_workload(conn, name, path, now):
    found = conn.execute("SELECT id FROM workloads WHERE name = ?", (name,)).fetchone()
    if found is not None:
        return found[0]
    return conn.execute(
        "INSERT INTO workloads (name, source, source_file, checkpointable, live_migratable, "
        "partitionable, created_at) VALUES (?, 'bitbrains', ?, 0, 0, 0, ?)",
        (name, path, now),
    ).lastrowid


def expand(paths):
    out = []
    for path in paths:
        if os.path.isdir(path):
            files = []
            for directory, subdirs, names in os.walk(path):
                subdirs[:] = [d for d in subdirs if not d.startswith(".")]
                files.extend(os.path.join(directory, n) for n in names if not n.startswith("."))
            out.extend(sorted(files))
        else:
            out.append(path)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    started = time.perf_counter()
    conn = sqlite3.connect(args.db, isolation_level=None)  # explicit BEGIN/COMMIT per file
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(WORKLOADS_DDL)
    conn.execute(SAMPLES_DDL)
    conn.execute("COMMIT")

    now = int(time.time())
    files = rows = samples = 0
    for path in expand(args.paths):
        r, s = import_file(conn, path, args.prefix, now)
        files += 1
        rows += r
        samples += s
    conn.close()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "samples": samples,
        "rows": rows,
        "files": files,
        "seconds": round(seconds, 4),
        "samples_per_second": round(samples / seconds) if seconds > 0 else 0,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }))


if __name__ == "__main__":
    main()
