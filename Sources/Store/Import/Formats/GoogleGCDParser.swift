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
        handle = sink.handle(for: options.prefix + stem)
        row = 0
        sink.proposeLimits(handle, ResourceVector(cpuCores: options.cpuCapacityCores, memoryBytes: options.memoryCapacityBytes))
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) { sink.note(.notData); return }
        _ = splitter.split(line)
        try splitter.requireCount(2, description: "separated by spaces: cpu% mem% (Google 2011 per-job)")
        let cpu = try splitter.number(0, name: "cpu%", sink: sink)
        let memory = try splitter.number(1, name: "mem%", sink: sink)
        let timestamp = options.epoch + row * options.intervalSeconds
        row += 1
        try sink.add(handle, timestamp: timestamp, usage: ResourceVector(
            cpuCores: cpu / 100 * options.cpuCapacityCores, memoryBytes: memory / 100 * options.memoryCapacityBytes))
    }
}
