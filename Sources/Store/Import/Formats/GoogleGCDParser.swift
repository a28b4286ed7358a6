import Forecast

/// Google clusterdata-2011 per-job aggregate files (as in the public "GCD" research
/// subsets): one job per file, one row per 5-minute interval, two space-separated fields
/// `cpu% mem%`, no timestamps.
///
/// Conversion: row k (0-based data row) is at `epoch + k × intervalSeconds`;
/// `cpuCores = cpu% / 100 × cpuCapacityCores`, `memoryBytes = mem% / 100 ×
/// memoryCapacityBytes`; those capacities are the limits.
struct GoogleGCDParser: TraceParser {
    let options: ImportOptions
    private var splitter = FieldSplitter(separator: UInt8(ascii: " "), collapseRuns: true)
    private var handle = 0
    private var row: Int64 = 0

    init(options: ImportOptions) { self.options = options }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        handle = sink.handle(for: try checkedFileName(options.prefix + stem))
        row = 0
        sink.proposeLimits(handle, ResourceVector(cpuCores: options.cpuCapacityCores, memoryBytes: options.memoryCapacityBytes))
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) { sink.note(.notData); return }
        _ = splitter.split(line)
        try splitter.requireCount(2, description: "separated by spaces: cpu% mem% (Google 2011 per-job)")
        let cpu = try splitter.checkedValue(try splitter.number(0, name: "cpu%", sink: sink) / 100 * options.cpuCapacityCores,
                                            .cpuCores, field: 0, name: "cpu%")
        let memory = try splitter.checkedValue(try splitter.number(1, name: "mem%", sink: sink) / 100 * options.memoryCapacityBytes,
                                               .memoryBytes, field: 1, name: "mem%")
        let timestamp = try checkedImportTimestamp(checkedAffine(options.epoch, row, options.intervalSeconds), column: 1,
                                                   columnName: "row time (--epoch + row × --interval)", found: "row \(row)")
        row += 1
        try sink.add(handle, timestamp: timestamp, usage: ResourceVector(cpuCores: cpu, memoryBytes: memory))
    }
}
