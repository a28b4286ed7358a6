#!/usr/bin/env python3
"""Summarises bench/import/run.sh's measurements and writes them into BENCHMARKS.md.

Input: the TSV run.sh writes (round, case, wall s, user s, sys s, max RSS KB, samples,
importer-reported s, 1-minute load average before, CPU s other jobs used during the run) and the environment it exports (BENCH_*).
Output: the summary on stdout, and the section "Import: Bitbrains GWA-T-12, 500 files" of
BENCHMARKS.md, replaced (from its heading to the next level-2 heading) or appended; the
file is created with a short introduction when missing.

Throughput = samples inserted / wall-clock seconds of the whole process (start-up,
database creation and schema included, for ours and the peer alike).

Usage: report.py RESULTS.tsv BENCHMARKS.md
"""

import os
import statistics
import sys

SECTION = "## Import: Bitbrains GWA-T-12, 500 files"
TARGET_SAMPLES_PER_SECOND = 500_000   # end to end, from the .tar.zst
TARGET_RATIO = 3.0                    # ours ÷ the Python peer, same input, same run
QUIET_SHARE = 0.05                    # a run is "quiet" when other jobs used ≤ 5 % of the CPUs

CASES = {
    "ours_dir": "ours, from the extracted CSV directory",
    "ours_tar": "ours, end to end from the .tar.zst",
    "peer": "Python peer (csv + sqlite3), from the extracted CSV directory",
}

INTRO = """# Benchmarks

Benchmarks live apart from the tests: `swift test` never runs them, and they are run by
hand (or by a scheduled job) with the script named in each section, on a release build.
Every benchmark runs its peer — an independent implementation of the same job, usually
the obvious Python one — in the same run, on the same input and machine, and reports
ours beside it; compare the ratios, not absolute numbers from different machines.
Each section below is rewritten by its script; the rest of the file is kept.
"""


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            round_, case, wall, user, sys_, rss, samples, internal, load1, others = line.rstrip("\n").split("\t")
            runs.append({
                "round": int(round_), "case": case, "wall": float(wall), "user": float(user),
                "sys": float(sys_), "rss_mb": int(rss) / 1024, "samples": int(samples),
                "internal": float(internal) if internal not in ("", "None") else None,
                "load": load1, "others": float(others),
            })
    return runs


def fmt_int(x):
    return f"{x:,.0f}"


def main():
    results_path, benchmarks_path = sys.argv[1:3]
    runs = load(results_path)
    env = os.environ.get
    for r in runs:
        r["rate"] = r["samples"] / r["wall"]

    by_case = {c: [r for r in runs if r["case"] == c] for c in CASES}
    med = {c: {"wall": statistics.median(r["wall"] for r in rs),
               "rate": statistics.median(r["rate"] for r in rs),
               "cpu": statistics.median(r["user"] + r["sys"] for r in rs)}
           for c, rs in by_case.items()}
    samples = {r["samples"] for r in runs}
    assert len(samples) == 1, f"sample counts differ between runs: {samples}"  # run.sh checked already
    samples = samples.pop()

    ratio_dir = med["ours_dir"]["rate"] / med["peer"]["rate"]
    ratio_tar = med["ours_tar"]["rate"] / med["peer"]["rate"]
    rounds = sorted({r["round"] for r in runs})
    per_round_ratio = [
        next(r["rate"] for r in runs if r["round"] == k and r["case"] == "ours_dir")
        / next(r["rate"] for r in runs if r["round"] == k and r["case"] == "peer") for k in rounds]
    end_to_end = med["ours_tar"]["rate"]
    met = lambda ok: "**met**" if ok else "**not met**"

    wait = f"WAIT_FOR_QUIET={env('BENCH_WAIT_FOR_QUIET')} " if env("BENCH_WAIT_FOR_QUIET", "0") != "0" else ""
    lines = [SECTION, ""]
    lines += [
        f"Importing the Bitbrains GWA-T-12 \"Rnd\" set (`bitbrains-rnd-vm001-250-2013-07-08.tar.zst`: "
        f"{env('BENCH_FILES', '500')} per-VM CSVs, VMs 1–250 × July and August 2013, "
        f"{fmt_int(samples)} samples stored) into a fresh SQLite file, three ways, alternating in each round: "
        "(a) ours from the extracted directory of CSVs, (b) ours end to end from the `.tar.zst` "
        "(the `zstd -dc` child process and tar parsing included), (c) the Python peer "
        "(`bench/import/peer_python.py`: stdlib `csv.reader` + `sqlite3` `executemany`, the same DDL, "
        "WAL, `synchronous=NORMAL`, `foreign_keys=ON` as GRDB sets it, one transaction per file, the same "
        "conversions and `INSERT OR IGNORE`) from the extracted directory. After every round the "
        "databases are compared (`bench/import/compare.py`: sample count, count and sum of every column "
        "within 1e-9 relative, limits and intervals of all workloads, every row of 5 workloads "
        "exactly); they agreed in every round.",
        "",
        "Throughput is samples inserted ÷ wall-clock seconds of the whole process (start-up, database "
        "creation included, for both); CPU s is user + system time of the process and its children "
        "(the `zstd` child in case b), so samples per CPU second is the cost of the work, less sensitive "
        "than wall time to other jobs on the machine. Ours parses on one thread and writes SQLite on "
        "another; the peer runs on one. The page cache is warm for every case; `sync` runs before each "
        "import (untimed). Ours also does work the peer does not: a SHA-256 of every input byte (and, "
        "for an archive, of its compressed bytes), an `imported_files` row per file (what makes "
        "re-imports no-ops), and per-row adjustment counts and gap statistics.",
        "",
        f"- Date: {env('BENCH_DATE')}; commit {env('BENCH_GIT')}",
        f"- Machine: {env('BENCH_NPROC')} CPUs ({env('BENCH_CPU')}), Linux {env('BENCH_KERNEL')}, "
        f"database and CSVs on {env('BENCH_FS')}",
        f"- SQLite: {env('BENCH_SQLITE_OURS')} for ours; {env('BENCH_SQLITE_PY')} in Python's `sqlite3`",
        f"- Python {env('BENCH_PYTHON')}; {env('BENCH_SWIFT')}, `swift build -c release`; zstd {env('BENCH_ZSTD')}",
        f"- Reproduce: `{wait}ROUNDS={env('BENCH_ROUNDS')} bench/import/run.sh` (from the package root; "
        "`WAIT_FOR_QUIET=SECONDS` waits for an idle machine before each import)",
        "",
        "| round | case | wall s | samples/s | CPU s (user+sys) | samples per CPU s | max RSS MB | other jobs' CPU s during the run |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(f"| {r['round']} | {r['case']} | {r['wall']:.2f} | {fmt_int(r['rate'])} | "
                     f"{r['user'] + r['sys']:.2f} | {fmt_int(r['samples'] / (r['user'] + r['sys']))} | {r['rss_mb']:.0f} | {r['others']:.1f} |")
    lines += [
        "",
        f"Medians over {len(rounds)} round(s):",
        "",
        "| case | wall s | samples/s | ÷ peer | CPU s | samples per CPU s | ÷ peer |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c, label in CASES.items():
        ratio = med[c]["rate"] / med["peer"]["rate"]
        cpu_ratio = med["peer"]["cpu"] / med[c]["cpu"]
        lines.append(f"| {label} | {med[c]['wall']:.2f} | {fmt_int(med[c]['rate'])} | {ratio:.2f}× | "
                     f"{med[c]['cpu']:.2f} | {fmt_int(samples / med[c]['cpu'])} | {cpu_ratio:.2f}× |")
    lines += [
        "",
        f"Ratio ours ÷ peer (median samples/s): **{ratio_dir:.2f}×** from the same CSV directory "
        f"(per round: {', '.join(f'{x:.2f}×' for x in per_round_ratio)}); {ratio_tar:.2f}× for ours "
        "end to end from the archive against the peer from extracted files.",
        "",
        "Targets:",
        "",
        f"- ≥ {fmt_int(TARGET_SAMPLES_PER_SECOND)} samples/s end to end (b): {fmt_int(end_to_end)} samples/s — "
        f"{met(end_to_end >= TARGET_SAMPLES_PER_SECOND)}.",
        f"- ≥ {TARGET_RATIO:g}× the Python peer (a ÷ c, same input): {ratio_dir:.2f}× — {met(ratio_dir >= TARGET_RATIO)}"
        f" (end to end b ÷ c: {ratio_tar:.2f}× — {met(ratio_tar >= TARGET_RATIO)}).",
        "",
    ]
    nproc = int(env("BENCH_NPROC", "1") or 1)
    # Share of the machine's CPU capacity that other jobs used while a run was timed.
    for r in runs:
        r["busy_share"] = r["others"] / (r["wall"] * nproc)
    busiest = max(r["busy_share"] for r in runs)
    if busiest > QUIET_SHARE:
        quiet = {c: [r for r in rs if r["busy_share"] <= QUIET_SHARE] for c, rs in by_case.items()}
        lines += [
            f"Caution: the machine was shared while this ran (other jobs used up to {busiest:.0%} of its "
            f"{nproc} CPUs during a timed run), so some wall times are inflated, unevenly between runs "
            "(ours runs two threads and loses more to a busy machine than the one-thread peer). "
            "Samples per CPU second compare the cost of the work, steady under load, but do not credit "
            "ours' second thread.",
            "",
        ]
        if all(quiet.values()):
            q = {c: statistics.median(r["rate"] for r in rs) for c, rs in quiet.items()}
            counts = ", ".join(f"{c} {len(rs)}" for c, rs in quiet.items())
            lines += [
                f"Runs during which other jobs used at most {QUIET_SHARE:.0%} of the CPUs ({counts} of "
                f"{len(rounds)}), medians: ours from the directory {fmt_int(q['ours_dir'])} samples/s, "
                f"ours end to end {fmt_int(q['ours_tar'])} samples/s, peer {fmt_int(q['peer'])} samples/s; "
                f"ratio **{q['ours_dir'] / q['peer']:.2f}×** (end to end {q['ours_tar'] / q['peer']:.2f}×).",
                "",
            ]
        else:
            lines += ["No case had a run on a quiet machine; rerun with `WAIT_FOR_QUIET=600` before quoting "
                      "the wall-clock numbers.", ""]
    section = "\n".join(lines)

    print(section)

    if os.path.exists(benchmarks_path):
        with open(benchmarks_path) as f:
            text = f.read()
    else:
        text = INTRO
    out_lines = text.split("\n")
    try:
        start = next(i for i, l in enumerate(out_lines) if l.strip() == SECTION)
    except StopIteration:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(out_lines)) if out_lines[i].startswith("## ")), len(out_lines))
        before = "\n".join(out_lines[:start])
        after = "\n".join(out_lines[end:])
        text = before + ("\n" if before else "") + section + ("\n" + after if after.strip() else "")
    if not text.endswith("\n"):
        text += "\n"
    tmp = benchmarks_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, benchmarks_path)
    print(f"\nwrote {benchmarks_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
