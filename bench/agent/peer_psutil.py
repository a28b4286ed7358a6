"""The peer of agent-bench: psutil sampling the same processes at the same rate.

Usage: peer_psutil.py list PID... | tree ROOT  [--seconds S] [--hz H]

Per sample and process it makes the calls a psutil-based monitor makes for our six
resources: cpu_times() (/proc/<pid>/stat), memory_info() (/proc/<pid>/statm) and
io_counters() (/proc/<pid>/io), on Process objects kept between samples (as a long-running
monitor would); plus net_io_counters() once per sample (/proc/net/dev). `tree` re-lists
the descendants of ROOT every sample with Process.children(recursive=True) (which reads
every /proc/<pid>/stat for the ppid map), as ours re-walks the tree. Prints one JSON line
with the process's own CPU time (getrusage RUSAGE_SELF) over the run as % of one core.
"""
import json
import resource
import sys
import time

import psutil


def main(argv):
    mode, pids, seconds, hz = argv[0], [], 60.0, 1.0
    i = 1
    while i < len(argv):
        if argv[i] == "--seconds":
            seconds = float(argv[i + 1]); i += 2
        elif argv[i] == "--hz":
            hz = float(argv[i + 1]); i += 2
        else:
            pids.append(int(argv[i])); i += 1
    cache = {}

    def process(pid):
        p = cache.get(pid)
        if p is None:
            p = cache[pid] = psutil.Process(pid)
        return p

    def sample():
        if mode == "tree":
            root = process(pids[0])
            members = [root] + root.children(recursive=True)
        else:
            members = [process(pid) for pid in pids]
        cpu = memory = read = write = 0.0
        alive = 0
        for p in members:
            try:
                t = p.cpu_times()
                m = p.memory_info()
                io = p.io_counters()
            except psutil.NoSuchProcess:
                cache.pop(p.pid, None)
                continue
            cpu += t.user + t.system
            memory += m.rss
            read += io.read_bytes
            write += io.write_bytes
            alive += 1
        net = psutil.net_io_counters(pernic=True)
        rx = sum(v.bytes_recv for k, v in net.items() if k != "lo")
        tx = sum(v.bytes_sent for k, v in net.items() if k != "lo")
        return alive, (cpu, memory, read, write, rx, tx)

    def cpu_seconds():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    interval = 1.0 / hz
    c0, w0 = cpu_seconds(), time.monotonic()
    samples, processes, nxt = 0, 0, w0
    while time.monotonic() - w0 < seconds:
        processes, _ = sample()
        samples += 1
        nxt += interval
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    wall, cpu = time.monotonic() - w0, cpu_seconds() - c0
    print(json.dumps({
        "impl": "psutil-" + mode, "processes": processes, "samples": samples, "wall_s": wall,
        "cpu_s": cpu, "percent_of_one_core": 100 * cpu / wall, "cpu_us_per_sample": 1e6 * cpu / samples,
        "psutil": psutil.__version__,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
