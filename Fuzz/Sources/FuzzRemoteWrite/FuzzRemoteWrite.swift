import PrometheusIngest

/// libFuzzer target: a Prometheus remote-write body through what `POST /api/v1/write` runs
/// before the store — `RemoteWriteDecoder.decode` (snappy, protobuf `WriteRequest`) and
/// `SeriesAssembler.plan` under a mapping like the shipped process-exporter one, with a
/// fixed clock (2025-06-15) so that runs reproduce. The input's first byte chooses whether
/// the rest is the body as sent (snappy) or the protobuf bytes, compressed here first (so
/// the fuzzer explores the protobuf, not only snappy's framing; bit 0), and whether it is a
/// 1.0 `WriteRequest` or a 2.0 `io.prometheus.write.v2.Request` (symbol references; bit 1).
/// Every refusal must be a thrown error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRemoteWrite(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        try RemoteWriteProbe.run(bytes, compressFirst: data[0] & 1 == 0, version2: data[0] & 2 != 0, mapping: mapping, nowSeconds: 1_750_000_000)
    } catch {
        _ = "\(error)"
    }
    return 0
}

let mapping = try! RemoteWriteProbe.Mapping(toml: """
    [workload]
    name = "{groupname}"
    pop = "{pop}"
    [[metrics]]
    metric = "namedprocess_namegroup_cpu_seconds_total"
    resource = "cpu_cores"
    kind = "counter"
    [[metrics]]
    metric = "namedprocess_namegroup_memory_bytes"
    labels = { memtype = "resident" }
    resource = "memory_bytes"
    kind = "gauge"
    scale = 1024
    [[metrics]]
    metric = "namedprocess_namegroup_memory_limit_bytes"
    resource = "memory_bytes"
    role = "allocation"
    kind = "gauge"
    [[metrics]]
    metric = "a"
    exclude = { b = ["", "c"] }
    resource = "network_receive_bytes_per_second"
    kind = "counter"
    workload = "x/{b}"
    """)
