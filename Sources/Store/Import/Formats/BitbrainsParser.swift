import Forecast

/// Bitbrains GWA-T-12 per-VM files (`fastStorage/`, `Rnd/`): one VM per file, 11 fields
/// separated by `;` followed by a tab, an optional header line.
///
/// Fields: Timestamp [ms]; CPU cores; CPU capacity provisioned [MHZ]; CPU usage [MHZ];
/// CPU usage [%]; Memory capacity provisioned [KB]; Memory usage [KB]; Disk read
/// throughput [KB/s]; Disk write throughput [KB/s]; Network received throughput [KB/s];
/// Network transmitted throughput [KB/s].
///
/// Conversion: `cpuCores = usageMHz / (provisionedMHz / cores)` (MHz → cores through the
/// provisioned clock per core; when the provisioned MHz is 0 the `CPU usage [%]` column ×
/// cores / 100 is used); KB = 1024 bytes (memory capacities are exact powers of two in KB,
/// e.g. 8388608 KB = 8 GiB). Limits: `cpuCores` = CPU cores, `memoryBytes` = memory
/// provisioned. The header says milliseconds but the published files hold Unix seconds:
/// values above 10¹¹ are read as milliseconds, others as seconds.
struct BitbrainsParser: TraceParser {
    static let columns = ["Timestamp [ms]", "CPU cores", "CPU capacity provisioned [MHZ]", "CPU usage [MHZ]",
                          "CPU usage [%]", "Memory capacity provisioned [KB]", "Memory usage [KB]",
                          "Disk read throughput [KB/s]", "Disk write throughput [KB/s]",
                          "Network received throughput [KB/s]", "Network transmitted throughput [KB/s]"]
    static let bytesPerKB = 1024.0

    var prefix: String
    private var splitter = FieldSplitter(separator: UInt8(ascii: ";"))
    private var handle = 0

    init(prefix: String) { self.prefix = prefix }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        handle = sink.handle(for: try checkedFileName(prefix + stem))
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) || (lineNumber == 1 && startsWithLetter(line)) { sink.note(.notData); return }
        _ = splitter.split(line)
        try splitter.requireCount(11, description: "separated by ';' (Bitbrains GWA-T-12)")
        let c = Self.columns
        var timestamp = try splitter.timestamp(0, name: c[0])
        if timestamp > 100_000_000_000 { timestamp /= 1000 }
        timestamp = try splitter.checkedTimestamp(timestamp, field: 0, name: c[0])
        let cores = try splitter.number(1, name: c[1], sink: sink)
        let provisionedMHz = try splitter.number(2, name: c[2], sink: sink)
        let usageMHz = try splitter.number(3, name: c[3], sink: sink)
        let usagePercent = try splitter.number(4, name: c[4], sink: sink)
        let memoryProvisionedKB = try splitter.number(5, name: c[5], sink: sink)
        var usage = ResourceVector.absent
        if provisionedMHz > 0, cores > 0 {
            usage.cpuCores = usageMHz * cores / provisionedMHz
        } else {
            usage.cpuCores = usagePercent * cores / 100
        }
        usage.memoryBytes = try splitter.number(6, name: c[6], sink: sink) * Self.bytesPerKB
        usage.diskReadBytesPerSecond = try splitter.number(7, name: c[7], sink: sink) * Self.bytesPerKB
        usage.diskWriteBytesPerSecond = try splitter.number(8, name: c[8], sink: sink) * Self.bytesPerKB
        usage.networkReceiveBytesPerSecond = try splitter.number(9, name: c[9], sink: sink) * Self.bytesPerKB
        usage.networkTransmitBytesPerSecond = try splitter.number(10, name: c[10], sink: sink) * Self.bytesPerKB
        // The field each converted value comes from, for the error naming it.
        for (r, field) in zip(Resource.allCases, [provisionedMHz > 0 && cores > 0 ? 3 : 4, 6, 7, 8, 9, 10]) {
            _ = try splitter.checkedValue(usage[r], r, field: field, name: c[field])
        }
        if cores > 0 || memoryProvisionedKB > 0 {
            sink.proposeLimits(handle, ResourceVector(
                cpuCores: cores > 0 ? cores : .nan,
                memoryBytes: memoryProvisionedKB > 0 ? memoryProvisionedKB * Self.bytesPerKB : .nan))
        }
        try sink.add(handle, timestamp: timestamp, usage: usage)
    }
}
