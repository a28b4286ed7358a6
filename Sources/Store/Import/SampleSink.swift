import Forecast

/// Why a row, or a value in it, was not stored as read. The summary counts each.
public enum ImportAdjustment: String, CaseIterable, Sendable, Codable {
    /// A sample for this (workload, timestamp) is already in the store or earlier in the
    /// file: the first one is kept (imports never overwrite), the row is skipped.
    case duplicateTimestamp = "duplicate timestamp (first kept, row skipped)"
    /// Every resource field was missing, NaN or rejected: nothing to store, row skipped.
    case noValues = "no usable value in the row (row skipped)"
    /// An empty or `NaN` field: stored as NULL (not measured), the row is kept.
    case missingValue = "missing or NaN value (stored as not measured)"
    /// A negative usage value: physically impossible, stored as NULL, the row is kept.
    case negativeValue = "negative value (stored as not measured)"
    /// Alibaba's documented abnormal `-1` / `101` in `disk_io_percent`: dropped.
    case alibabaAnomaly = "Alibaba -1/101 anomaly (value dropped)"
    /// A row older than the one before it for the same workload: stored (samples are
    /// keyed by time, reads come back in time order), counted.
    case outOfOrder = "out-of-order row (stored in time order)"
    /// A spacing over twice the workload's median interval: kept as a gap (no
    /// interpolation), counted.
    case gap = "gap over 2× the median interval (kept, not filled)"
    /// A header line, comment (`#`) or blank line: not data.
    case notData = "header, comment or blank line"
}

/// The parsing side of one file: parsers hand it rows; it validates values, keeps the
/// per-workload statistics (order, gaps, median interval, proposed limits) and ships rows
/// in chunks to the writing thread through `emit`. It never touches the database.
final class SampleSink {
    static let chunkRows = 4096

    private struct WorkloadState {
        var name: String
        var lastTimestamp: Int64 = .min
        var timestamps: [Int64] = []
        var proposedLimits = ResourceVector.absent
    }

    private var workloads: [WorkloadState] = []
    private var handles: [String: Int] = [:]
    private(set) var adjustments: [ImportAdjustment: Int] = [:]
    private var chunk = ParsedChunk(capacity: SampleSink.chunkRows)
    private var namesShipped = 0
    private var minTimestamp = Int64.max
    private var maxTimestamp = Int64.min
    private let emit: (ParsedChunk) throws -> Void

    init(emit: @escaping (ParsedChunk) throws -> Void) { self.emit = emit }

    /// The handle of workload `name` in this file.
    func handle(for name: String) -> Int {
        if let h = handles[name] { return h }
        workloads.append(WorkloadState(name: name))
        handles[name] = workloads.count - 1
        return workloads.count - 1
    }

    /// Counts an adjustment made by a parser (e.g. an Alibaba anomaly).
    func note(_ adjustment: ImportAdjustment, _ count: Int = 1) {
        if count > 0 { adjustments[adjustment, default: 0] += count }
    }

    /// Proposes limits for a workload: after the file commits they fill the limits that are
    /// still unset (limits set by the user or an earlier file are never overwritten).
    func proposeLimits(_ handle: Int, _ limits: ResourceVector) {
        for r in Resource.allCases where !limits[r].isNaN { workloads[handle].proposedLimits[r] = limits[r] }
    }

    /// Queues one sample; NaN fields are "not measured", negative ones are rejected to NaN,
    /// a row with nothing left is skipped.
    func add(_ handle: Int, timestamp: Int64, usage: ResourceVector) throws {
        var present = 0
        var values = (usage.cpuCores, usage.memoryBytes, usage.diskReadBytesPerSecond, usage.diskWriteBytesPerSecond,
                      usage.networkReceiveBytesPerSecond, usage.networkTransmitBytesPerSecond)
        withUnsafeMutableBytes(of: &values) { raw in
            let v = raw.bindMemory(to: Double.self)
            for k in 0..<Resource.count where !v[k].isNaN {
                if v[k] < 0 { v[k] = .nan; adjustments[.negativeValue, default: 0] += 1 } else { present += 1 }
            }
            if present > 0 { chunk.values.append(contentsOf: v) }
        }
        guard present > 0 else { note(.noValues); return }
        chunk.handles.append(Int32(handle))
        chunk.timestamps.append(timestamp)
        if timestamp < workloads[handle].lastTimestamp { adjustments[.outOfOrder, default: 0] += 1 }
        workloads[handle].lastTimestamp = timestamp
        workloads[handle].timestamps.append(timestamp)
        if timestamp < minTimestamp { minTimestamp = timestamp }
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
        if chunk.count >= Self.chunkRows { try flush() }
    }

    /// Ships the rows queued so far.
    func flush() throws {
        guard chunk.count > 0 || namesShipped < workloads.count else { return }
        chunk.firstNewHandle = namesShipped
        chunk.newWorkloadNames = workloads[namesShipped...].map(\.name)
        namesShipped = workloads.count
        try emit(chunk)
        chunk = ParsedChunk(capacity: Self.chunkRows)
    }

    /// Flushes and summarises the file: median interval and gaps per workload.
    func finish(label: String, path: String, member: String, digest: String, rows: Int,
                invalidRows: [String: Int]) throws -> ParsedUnit {
        try flush()
        var parsed: [ParsedWorkload] = []
        for state in workloads {
            var median: Double?
            let sorted = state.timestamps.sorted()
            var deltas: [Int64] = []
            deltas.reserveCapacity(sorted.count)
            // Checked arithmetic: parsers keep timestamps in InputRules' range, but a
            // difference or a doubling of two arbitrary Int64 would trap.
            for k in sorted.indices.dropFirst() where sorted[k] > sorted[k - 1] {
                let (delta, overflow) = sorted[k].subtractingReportingOverflow(sorted[k - 1])
                deltas.append(overflow ? .max : delta)
            }
            if !deltas.isEmpty {
                let ordered = deltas.sorted()
                let middle = ordered[ordered.count / 2]
                median = Double(middle)
                note(.gap, deltas.reduce(0) { $0 + ($1 - middle > middle ? 1 : 0) })
            }
            parsed.append(ParsedWorkload(name: state.name, proposedLimits: state.proposedLimits, medianIntervalSeconds: median,
                                         lastTimestamp: sorted.last))
        }
        return ParsedUnit(label: label, path: path, member: member, digest: digest, rows: rows - (adjustments[.notData] ?? 0),
                          adjustments: adjustments, invalidRows: invalidRows, workloads: parsed,
                          minTimestamp: minTimestamp == .max ? nil : minTimestamp,
                          maxTimestamp: maxTimestamp == .min ? nil : maxTimestamp)
    }
}
