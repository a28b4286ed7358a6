import Forecast

/// NAB / AWS CloudWatch series: a header `timestamp,value`, then
/// `YYYY-MM-DD HH:MM:SS,<number>` (UTC). One metric per file, told by the file name
/// (`…cpu_utilization…`, `…disk_write_bytes…`, `…network_in…`) or `ImportOptions.nabMetric`.
///
/// Conversion: CPU % → `cpuCores = % / 100 × cpuCapacityCores` (also the limit); byte
/// metrics are CloudWatch sums over the period, so bytes per second = value /
/// `intervalSeconds` (300 for these 5-minute series).
struct NABParser: TraceParser {
    let options: ImportOptions
    private var splitter = FieldSplitter(separator: UInt8(ascii: ","))
    private var handle = 0
    private var metric = NABMetric.cpuPercent

    init(options: ImportOptions) { self.options = options }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        guard let m = options.nabMetric ?? NABMetric.infer(fromFileName: stem) else {
            throw ImportError.configuration(
                "cannot tell the metric of NAB file \"\(stem)\" from its name; pass --metric "
                + NABMetric.allCases.map(\.rawValue).joined(separator: "|"))
        }
        metric = m
        handle = sink.handle(for: try checkedFileName(options.prefix + stem))
        if m == .cpuPercent { sink.proposeLimits(handle, ResourceVector(cpuCores: options.cpuCapacityCores)) }
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) || (lineNumber == 1 && startsWithLetter(line)) { sink.note(.notData); return }
        _ = splitter.split(line)
        try splitter.requireCount(2, description: "separated by ',': timestamp,value (NAB/CloudWatch)")
        let timestamp = try splitter.checkedTimestamp(try splitter.timestamp(0, name: "timestamp"), field: 0, name: "timestamp")
        let value = try splitter.number(1, name: "value", sink: sink)
        var usage = ResourceVector.absent
        let perSecond = value / Double(options.intervalSeconds)
        switch metric {
        case .cpuPercent: usage.cpuCores = value / 100 * options.cpuCapacityCores
        case .diskReadBytes: usage.diskReadBytesPerSecond = perSecond
        case .diskWriteBytes: usage.diskWriteBytesPerSecond = perSecond
        case .networkInBytes: usage.networkReceiveBytesPerSecond = perSecond
        case .networkOutBytes: usage.networkTransmitBytesPerSecond = perSecond
        }
        for r in Resource.allCases { _ = try splitter.checkedValue(usage[r], r, field: 1, name: "value") }
        try sink.add(handle, timestamp: timestamp, usage: usage)
    }
}
