#!/usr/bin/env bash
# Regenerates Sources/PrometheusIngest/Proto/*.pb.swift from remote_write.proto (1.0) and
# remote_write_v2.proto (2.0).
# Needs protoc (Debian's protobuf-compiler) and protoc-gen-swift built from the swift-protobuf
# version Package.swift resolves (its generated code must match the runtime library).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v protoc >/dev/null || { echo "gen-prompb: protoc missing (apt-get install protobuf-compiler)" >&2; exit 1; }
checkout="$root/.build/checkouts/swift-protobuf"
[ -d "$checkout" ] || (cd "$root" && swift package resolve)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$checkout" "$work/swift-protobuf"
(cd "$work/swift-protobuf" && swift build --product protoc-gen-swift >&2)
cd "$root/Sources/PrometheusIngest/Proto"
protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/debug/protoc-gen-swift" \
  --swift_out=. --swift_opt=Visibility=Package remote_write.proto remote_write_v2.proto
echo "gen-prompb: wrote Sources/PrometheusIngest/Proto/remote_write.pb.swift and remote_write_v2.pb.swift" >&2
