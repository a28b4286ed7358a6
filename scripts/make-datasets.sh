#!/usr/bin/env bash
# Rebuilds the committed subset in datasets/ from the team's shared traces
# (../shared/datasets). Deterministic: the same inputs give the same selection.
# Users never need this: datasets/ is committed. See datasets/README.md for provenance.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DATASETS:-$here/../shared/datasets}
out=$here/datasets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Bitbrains Rnd: 40 VMs that have a full month in both July and August 2013 (≥ 8,000
# five-minute rows each), every k-th of them in numeric id order.
zstd -dc "$shared/bitbrains-rnd-vm001-250-2013-07-08.tar.zst" | tar -x -C "$work"
full=$(for f in "$work"/bitbrains-rnd/2013-7/*.csv; do
  id=$(basename "$f" .csv)
  g="$work/bitbrains-rnd/2013-8/$id.csv"
  [ -f "$g" ] && [ "$(wc -l < "$f")" -ge 8000 ] && [ "$(wc -l < "$g")" -ge 8000 ] && echo "$id"
done | sort -n)
count=$(echo "$full" | wc -l)
step=$(( count / 40 ))
chosen=$(echo "$full" | awk -v s="$step" 'NR % s == 1' | head -40)
list=$work/members.txt
: > "$list"
for id in $chosen; do echo "bitbrains-rnd/2013-7/$id.csv" >> "$list"; echo "bitbrains-rnd/2013-8/$id.csv" >> "$list"; done
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2013-09-01 00:00Z' -C "$work" -cf - -T "$list" \
  | zstd -q -19 -o "$out/bitbrains-rnd-40vms-2013-07-08.tar.zst" -f
echo "Bitbrains VM ids: $(echo $chosen)"

# Google 2011 per-job files: the first 20 in name order.
zstd -dc "$shared/google2011-gcd-400jobs.tar.zst" | tar -x -C "$work"
(cd "$work" && ls google2011-gcd | sort | head -20 | sed 's|^|google2011-gcd/|') > "$work/g.txt"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2011-06-01 00:00Z' -C "$work" -cf - -T "$work/g.txt" \
  | zstd -q -19 -o "$out/google2011-gcd-20jobs.tar.zst" -f

# Alibaba machine_usage (8 machines) and Azure V1 (20 VMs): whole files, gzip-compressed.
gzip -9n -c "$shared/alibaba2018-machine-usage-m1932-m1939.csv" > "$out/alibaba2018-machine-usage-m1932-m1939.csv.gz"
gzip -9n -c "$shared/azure-v1-cpu-avg-20vms.csv" > "$out/azure-v1-cpu-avg-20vms.csv.gz"

# NAB / CloudWatch: the four series as they are.
mkdir -p "$out/nab-aws"
cp "$shared"/nab-aws/*.csv "$out/nab-aws/" && chmod 644 "$out"/nab-aws/*.csv
ls -la "$out" "$out/nab-aws"
