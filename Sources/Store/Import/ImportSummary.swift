/// What an import did: the closing summary printed by `headroom-trainer import`.
public struct ImportSummary: Sendable, Codable, Equatable {
    /// Files (or archive members) whose rows were committed.
    public var filesImported = 0
    /// Files whose identical bytes were imported before (same format and prefix): skipped.
    public var filesAlreadyImported = 0
    /// Data rows read (headers, comments and blank lines excluded).
    public var rowsRead = 0
    /// Samples added to the store.
    public var samplesInserted = 0
    /// Names of the workloads that received samples.
    public var workloads: [String] = []
    /// Earliest and latest sample timestamps added (Unix seconds), nil when none.
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    /// Rows skipped and values adjusted, by reason (`ImportAdjustment` texts).
    public var adjustments: [String: Int] = [:]
    /// Malformed rows skipped under `--skip-invalid`, by expected form.
    public var invalidRowsSkipped: [String: Int] = [:]
    /// Wall-clock seconds.
    public var seconds: Double = 0

    public init() {}

    /// Samples per second of wall-clock time.
    public var samplesPerSecond: Double { seconds > 0 ? Double(samplesInserted) / seconds : 0 }

    /// Human-readable multi-line summary.
    public var text: String {
        var lines: [String] = []
        lines.append("imported \(filesImported) file(s)" + (filesAlreadyImported > 0 ? ", \(filesAlreadyImported) already in the store (skipped)" : ""))
        lines.append("workloads: \(workloads.count)   samples: \(samplesInserted)   rows read: \(rowsRead)")
        if let first = firstTimestamp, let last = lastTimestamp {
            let days = Double(last - first) / 86_400
            lines.append("time span: \(TimestampParser.iso8601(first)) … \(TimestampParser.iso8601(last)) (\(String(format2: days)) days)")
        }
        for (reason, count) in adjustments.sorted(by: { $0.key < $1.key }) { lines.append("  \(count)× \(reason)") }
        for (reason, count) in invalidRowsSkipped.sorted(by: { $0.key < $1.key }) { lines.append("  \(count)× invalid row skipped: expected \(reason)") }
        lines.append("took \(String(format2: seconds)) s (\(Int(samplesPerSecond)) samples/s)")
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// A number with two decimals, without Foundation's locale machinery.
    init(format2 value: Double) {
        let scaled = (value * 100).rounded()
        let whole = Int(scaled / 100)
        let fraction = Int(abs(scaled).truncatingRemainder(dividingBy: 100))
        self = "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
