"""Plain-Python peer of `agent-bench cgroup` (psutil has no cgroup API): reads the same
cgroup v1 files as the agent's CgroupReader, with open().read() and str.split(), at the
same rate, and prints the same JSON line.

Usage: peer_cgroup.py PATH [--seconds S] [--hz H]   (PATH relative to the v1 mounts)
Files per sample: cpuacct.usage; memory.usage_in_bytes, memory.limit_in_bytes,
memory.failcnt, memory.stat, memory.oom_control; blkio.throttle.io_service_bytes_recursive;
cgroup.procs, then the first process's ns/net link and net/dev (lo excluded).
"""
import json
import os
import resource
import sys
import time

ROOT = "/sys/fs/cgroup"


def read(path):
    with open(path) as f:
        return f.read()


def flat(text):
    return {k: int(v) for k, v in (line.split() for line in text.splitlines() if line.strip())}


def sample(path):
    cpu = int(read(f"{ROOT}/cpuacct/{path}/cpuacct.usage")) / 1e9
    memory = f"{ROOT}/memory/{path}"
    usage = int(read(f"{memory}/memory.usage_in_bytes"))
    int(read(f"{memory}/memory.limit_in_bytes"))
    int(read(f"{memory}/memory.failcnt"))
    stat = flat(read(f"{memory}/memory.stat"))
    flat(read(f"{memory}/memory.oom_control"))
    resident = max(0, usage - stat.get("total_cache", stat["cache"]))
    rd = wr = 0
    for line in read(f"{ROOT}/blkio/{path}/blkio.throttle.io_service_bytes_recursive").splitlines():
        f = line.split()
        if len(f) == 3 and f[1] == "Read":
            rd += int(f[2])
        elif len(f) == 3 and f[1] == "Write":
            wr += int(f[2])
    rx = tx = 0
    pids = read(f"{memory}/cgroup.procs").split()
    for pid in pids:
        try:
            os.readlink(f"/proc/{pid}/ns/net")
            for line in read(f"/proc/{pid}/net/dev").splitlines()[2:]:
                name, counters = line.split(":", 1)
                if name.strip() != "lo":
                    c = counters.split()
                    rx += int(c[0])
                    tx += int(c[8])
            break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return len(pids), (cpu, resident, rd, wr, rx, tx)


def main(argv):
    path, seconds, hz = argv[0].strip("/"), 60.0, 1.0
    i = 1
    while i < len(argv):
        if argv[i] == "--seconds":
            seconds = float(argv[i + 1]); i += 2
        elif argv[i] == "--hz":
            hz = float(argv[i + 1]); i += 2
        else:
            raise SystemExit(f"unknown argument {argv[i]}")

    def cpu_seconds():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    interval = 1.0 / hz
    c0, w0 = cpu_seconds(), time.monotonic()
    samples, processes, nxt = 0, 0, w0
    while time.monotonic() - w0 < seconds:
        processes, _ = sample(path)
        samples += 1
        nxt += interval
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    wall, cpu = time.monotonic() - w0, cpu_seconds() - c0
    print(json.dumps({
        "impl": "python-cgroup", "processes": processes, "samples": samples, "wall_s": wall, "cpu_s": cpu,
        "percent_of_one_core": 100 * cpu / wall, "cpu_us_per_sample": 1e6 * cpu / samples,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
