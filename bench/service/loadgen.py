#!/usr/bin/env python3
"""Load generator for `headroom-scorer serve` (Python stdlib only; not part of CI).

CLIENTS threads, each an agent on one POP of the fleet (round robin) with WORKLOADS_PER_CLIENT
workloads of its own (`load-cNN-wNN`, new to the store). Each client keeps one keep-alive HTTP
connection and POSTs /v1/samples batches of BATCH samples (STEPS = BATCH / workloads-per-client
consecutive 5-minute samples of each of its workloads) on an open-loop schedule: batch k is due
at start + k * BATCH * CLIENTS / RATE seconds; a client that falls behind sends at once, so a
server that cannot keep up shows as an achieved rate below the target, not as a slower
schedule. The usage values are real: Bitbrains VM series read from the store before the server
starts (--series-db), cycled, each workload starting at a different offset.

With --scorers (sharded scorers, by shard index) each batch is split as the agent splits it:
each workload's samples to the scorer of its shard (FNV-1a of the name mod the scorers).

Every response is recorded: status, latency, and the `accepted` / `duplicates` counts. The
summary (JSON on stdout) has samples sent and acknowledged, achieved samples/s, requests by
status, latency median / p99 / max (nearest rank).
"""
import argparse
import http.client
import json
import sqlite3
import sys
import threading
import time

RESOURCES = ["cpu_cores", "memory_bytes", "disk_read_bytes_per_second", "disk_write_bytes_per_second",
             "network_receive_bytes_per_second", "network_transmit_bytes_per_second"]


def load_series(db, limit):
    """Up to `limit` real series (lists of resource dicts) of the store's Bitbrains VMs."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [r[0] for r in con.execute("SELECT name FROM workloads WHERE source = 'bitbrains' ORDER BY name LIMIT ?", (limit,))]
    series = []
    for name in names:
        rows = con.execute(f"""SELECT {', '.join(RESOURCES)} FROM samples s JOIN workloads w ON w.id = s.workload_id
                               WHERE w.name = ? ORDER BY s.timestamp LIMIT 4032""", (name,)).fetchall()
        if len(rows) >= 288:
            series.append([{k: v for k, v in zip(RESOURCES, row) if v is not None} for row in rows])
    con.close()
    if not series:
        sys.exit("loadgen: no Bitbrains series in --series-db")
    return series


def fnv1a(name):
    """`WorkloadShard`'s hash: FNV-1a 64 over the name's UTF-8 bytes."""
    h = 0xCBF29CE484222325
    for byte in name.encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-q * len(sorted_values) // 1)) - 1))
    return sorted_values[k]


class Client(threading.Thread):
    def __init__(self, index, args, series, start_at, stop_at, pops):
        super().__init__(daemon=True)
        self.index, self.args, self.series = index, args, series
        self.start_at, self.stop_at = start_at, stop_at
        self.pop = pops[index % len(pops)]
        self.workloads = [f"load-c{index:02d}-w{j:02d}" for j in range(args.workloads_per_client)]
        self.steps = args.batch // args.workloads_per_client
        self.period = args.batch * args.clients / args.rate
        self.latencies, self.statuses = [], {}
        self.sent = self.accepted = self.duplicates = self.errors = 0
        self.error_messages = []

    def body(self, k):
        samples = []
        for j, name in enumerate(self.workloads):
            s = self.series[(self.index * len(self.workloads) + j) % len(self.series)]
            for step in range(self.steps):
                t = k * self.steps + step
                values = s[(t + 97 * j) % len(s)]
                item = {"workload": name, "timestamp": self.args.start_timestamp + 300 * t}
                item.update(values)
                samples.append(item)
        return json.dumps({"pop": self.pop, "samples": samples}).encode()

    def parts(self, k):
        """The batch of round k as (shard, body) pairs: one part per scorer that owns some of
        this client's workloads (as the agent routes: FNV-1a of the name mod the scorers)."""
        body = json.loads(self.body(k))
        n = len(self.args.endpoints)
        if n == 1:
            return [(0, json.dumps(body).encode())]
        by_shard = {}
        for sample in body["samples"]:
            by_shard.setdefault(fnv1a(sample["workload"]) % n, []).append(sample)
        return [(shard, json.dumps({"pop": body["pop"], "samples": samples}).encode()) for shard, samples in sorted(by_shard.items())]

    def run(self):
        endpoints = self.args.endpoints
        conns = [http.client.HTTPConnection(host, port, timeout=60) for host, port in endpoints]
        headers = {"Authorization": f"Bearer {self.args.token}", "Content-Type": "application/json"}
        k = 0
        # Stagger the clients across one period so batches do not arrive in lockstep.
        offset = self.period * self.index / self.args.clients
        while True:
            due = self.start_at + offset + k * self.period
            if due >= self.stop_at:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            for shard, body in self.parts(k):
                conn = conns[shard]
                samples = len(json.loads(body)["samples"])
                began = time.monotonic()
                try:
                    conn.request("POST", "/v1/samples", body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    elapsed = time.monotonic() - began
                    self.latencies.append(elapsed)
                    self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
                    self.sent += samples
                    if 200 <= response.status < 300:
                        result = json.loads(payload)
                        self.accepted += result["accepted"]
                        self.duplicates += result["duplicates"]
                    elif len(self.error_messages) < 5:
                        self.error_messages.append(f"{response.status}: {payload[:200]!r}")
                except Exception as error:  # a dropped connection counts as a failed request
                    self.errors += 1
                    self.sent += samples
                    if len(self.error_messages) < 5:
                        self.error_messages.append(repr(error))
                    conn.close()
                    conns[shard] = http.client.HTTPConnection(*endpoints[shard], timeout=60)
            k += 1
        for conn in conns:
            conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, help="the scorer's port (one scorer)")
    p.add_argument("--scorers", help="HOST:PORT,… of sharded scorers by shard index: each workload's samples go to its shard's")
    p.add_argument("--token", required=True)
    p.add_argument("--series-db", required=True, help="store to read real Bitbrains series from (read-only)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rate", type=float, default=10_000, help="target samples/s over all clients")
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--batch", type=int, default=100, help="samples per request")
    p.add_argument("--workloads-per-client", type=int, default=10)
    p.add_argument("--pops", default="ams1,fra1,par1,lon1")
    p.add_argument("--start-timestamp", type=int, default=1_420_070_400, help="Unix seconds of the first sample (2015-01-01)")
    args = p.parse_args()
    if args.scorers:
        args.endpoints = [(e.rsplit(":", 1)[0], int(e.rsplit(":", 1)[1])) for e in args.scorers.split(",")]
    elif args.port:
        args.endpoints = [(args.host, args.port)]
    else:
        sys.exit("loadgen: give --port or --scorers")
    if args.batch % args.workloads_per_client:
        sys.exit("loadgen: --batch must be a multiple of --workloads-per-client")
    series = load_series(args.series_db, 40)
    start_at = time.monotonic() + 1.0
    stop_at = start_at + args.duration
    clients = [Client(i, args, series, start_at, stop_at, args.pops.split(",")) for i in range(args.clients)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    wall = max(time.monotonic(), stop_at) - start_at
    latencies = sorted(x for c in clients for x in c.latencies)
    statuses = {}
    for c in clients:
        for status, n in c.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    requests = sum(statuses.values())
    ok = sum(n for s, n in statuses.items() if s.startswith("2"))
    summary = {
        "clients": args.clients, "target_samples_per_second": args.rate, "duration_seconds": args.duration,
        "batch_samples": args.batch, "workloads": args.clients * args.workloads_per_client,
        "wall_seconds": round(wall, 3),
        "requests": requests + sum(c.errors for c in clients), "requests_2xx": ok, "statuses": statuses,
        "connection_errors": sum(c.errors for c in clients),
        "samples_sent": sum(c.sent for c in clients),
        "samples_acknowledged": sum(c.accepted for c in clients),
        "samples_duplicate": sum(c.duplicates for c in clients),
        "achieved_samples_per_second": round(sum(c.accepted for c in clients) / wall, 1),
        "latency_ms": {"median": round(1000 * percentile(latencies, 0.5), 2), "p99": round(1000 * percentile(latencies, 0.99), 2),
                       "max": round(1000 * (latencies[-1] if latencies else float("nan")), 2)},
        "errors": [m for c in clients for m in c.error_messages][:10],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
