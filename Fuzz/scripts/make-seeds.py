#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora under Fuzz/corpus/<target>/ from small slices of
datasets/ (plus hand-written cases for formats and bodies without a sample there).

fuzz-import inputs are [format byte][options byte][file bytes] (see FuzzImport.swift);
fuzz-safetensors inputs are [family byte][file bytes]; fuzz-sample-batch inputs are bodies.
Run from the repository root: python3 Fuzz/scripts/make-seeds.py

The four `<family>-real` safetensors seeds (small real models of each family, without a
checksum) are written by the target itself:
    HEADROOM_FUZZ_WRITE_SEEDS=Fuzz/corpus/fuzz-safetensors .build-fuzz/x86_64-unknown-linux-gnu/debug/fuzz-safetensors
Files named crash-* in a corpus are inputs that crashed a target before its fix (kept as
regression seeds; RELIABILITY.md).
"""
import gzip, io, json, os, struct, subprocess, tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "datasets")
OUT = os.path.join(ROOT, "Fuzz", "corpus")
FORMATS = ["bitbrains", "alibaba-machine", "alibaba-container", "google-gcd", "azure-v1", "nab", "generic"]


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def head(data, lines):
    return b"".join(data.splitlines(keepends=True)[:lines])


def tar_members(path):
    raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        return [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile()]


def make_tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def imp(fmt, flags, data):
    return bytes([FORMATS.index(fmt), flags]) + data


def import_seeds():
    bitbrains = tar_members(os.path.join(DATA, "bitbrains-rnd-40vms-2013-07-08.tar.zst"))
    google = tar_members(os.path.join(DATA, "google2011-gcd-20jobs.tar.zst"))
    alibaba = gzip.open(os.path.join(DATA, "alibaba2018-machine-usage-m1932-m1939.csv.gz")).read()
    azure = gzip.open(os.path.join(DATA, "azure-v1-cpu-avg-20vms.csv.gz")).read()
    seeds = {
        "bitbrains": imp("bitbrains", 0, head(bitbrains[0][1], 12)),
        "bitbrains-tar": imp("bitbrains", 2, make_tar([(n, head(d, 4)) for n, d in bitbrains[:2]])),
        "alibaba-machine": imp("alibaba-machine", 0, head(alibaba, 12)),
        "alibaba-machine-header": imp("alibaba-machine", 0x20, b"machine_id,time_stamp,cpu_util_percent,mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent\n" + head(alibaba, 4)),
        "alibaba-container": imp("alibaba-container", 0, b"c_1,m_1932,386640,41,92,1.2,,3,43.04,33.08,5\nc_1,m_1932,386650,40,91,,,,43.0,33.0,-1\nc_2,m_1933,386660,NaN,,1,2,3,4,5,101\n"),
        "google-gcd": imp("google-gcd", 0x20, head(google[0][1], 12)),
        "google-gcd-tar": imp("google-gcd", 2, make_tar([(n, head(d, 3)) for n, d in google[:2]])),
        "azure-v1": imp("azure-v1", 0x40, b"\n".join(l[:120] for l in head(azure, 6).splitlines()) + b"\n"),
        "nab-cpu": imp("nab", 1 << 2, head(open(os.path.join(DATA, "nab-aws", "ec2_cpu_utilization_24ae8d.csv"), "rb").read(), 10)),
        "nab-network": imp("nab", 2 << 2, head(open(os.path.join(DATA, "nab-aws", "ec2_network_in_257a54.csv"), "rb").read(), 10)),
        "generic": imp("generic", 0x10, b"workload,timestamp,resource,value\nw,2014-02-14 14:30:00,cpu_cores,1.5\nw,1392388200,memory_bytes,2e9\nv,2014-02-14T14:35:00Z,network_receive_bytes_per_second,NaN\n# comment\nw,1392388500,disk_read_bytes_per_second,\n"),
    }
    for name, data in seeds.items():
        write("fuzz-import", name, data)


def batch_seeds():
    seeds = {
        "minimal": {"samples": [{"workload": "w", "timestamp": 1750000000, "cpu_cores": 1.5}]},
        "full": {"pop": "ams1",
                 "samples": [{"workload": "w", "timestamp": 1749999000, "cpu_cores": 1.5, "memory_bytes": 2e9,
                              "disk_read_bytes_per_second": 0, "disk_write_bytes_per_second": None,
                              "network_receive_bytes_per_second": 10, "network_transmit_bytes_per_second": 1e3}],
                 "allocations": {"w": {"cpu_cores": 2, "memory_bytes": 4294967296}},
                 "checkpoints": {"w": 1749998000}},
        "traces": {"samples": [],
                   "traces": [{"workload": "etl-7", "timestamp": 1749999999.25, "kind": "phase", "name": "load", "value": 3,
                               "attributes": {"table": "orders", "n": 2, "ok": True, "x": None}},
                              {"workload": "etl-7", "timestamp": 1749999999.5, "kind": "span_start", "name": "q"},
                              {"workload": "etl-7", "timestamp": 1749999999.75, "kind": "span_end", "name": "q", "value": None}]},
        "bad-field": {"samples": [{"workload": "w", "timestamp": 1.5, "gpu": 1}]},
    }
    for name, body in seeds.items():
        write("fuzz-sample-batch", name, json.dumps(body).encode())
    write("fuzz-sample-batch", "not-json", b'{"samples": [{"workload": "w", "timestamp": 17')


def safetensors(tensors, metadata):
    """tensors: name -> (dtype, shape, bytes); no sha256, so the checksum is skipped."""
    header, data = {}, b""
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def f64(values):
    return struct.pack("<%dd" % len(values), *values)


def i64(values):
    return struct.pack("<%dq" % len(values), *values)


def safetensors_seeds():
    families = ["arima", "lstm", "hmm", "risk"]
    for index, family in enumerate(families):
        meta = {"kind": family, "schema_version": "1"}
        write("fuzz-safetensors", family + "-empty", bytes([index]) + safetensors({}, meta))
        write("fuzz-safetensors", family + "-tensors", bytes([index]) + safetensors({
            "a.f64": ("F64", [2, 2], f64([1, 0, 0, 1])),
            "a.i64": ("I64", [3], i64([0, 1, 2])),
            "a.f32": ("F32", [2], struct.pack("<2f", 0.5, 0.25)),
        }, meta))
    write("fuzz-safetensors", "arima-series", bytes([0]) + safetensors({
        "arima.0.phi": ("F64", [1], f64([0.5])),
        "arima.0.theta": ("F64", [0], b""),
    }, {"kind": "arima", "series": json.dumps([{"workload": "w", "resource": "cpu_cores", "firstTimestamp": 0, "intervalSeconds": 300}])}))


if __name__ == "__main__":
    import_seeds()
    batch_seeds()
    safetensors_seeds()
