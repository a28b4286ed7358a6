import Forecast

/// Parsed rows of one file on their way from the parsing thread to the writing thread.
/// Row-major: row i is `handles[i]`, `timestamps[i]`, `values[i·6 ..< i·6+6]` (SI units,
/// NaN = not measured).
struct ParsedChunk: Sendable {
    /// Names of the workload handles first used in this chunk: handle
    /// `firstNewHandle + k` is `newWorkloadNames[k]`.
    var firstNewHandle = 0
    var newWorkloadNames: [String] = []
    var handles: [Int32] = []
    var timestamps: [Int64] = []
    var values: [Double] = []

    var count: Int { timestamps.count }

    init(capacity: Int) {
        handles.reserveCapacity(capacity)
        timestamps.reserveCapacity(capacity)
        values.reserveCapacity(capacity * Resource.count)
    }
}

/// What the parsing thread learnt about one workload of a file.
struct ParsedWorkload: Sendable {
    var name: String
    var proposedLimits: ResourceVector
    var medianIntervalSeconds: Double?
    /// The file's latest timestamp of this workload: its median interval becomes the
    /// workload's when no stored sample is later (the file holds its newest data).
    var lastTimestamp: Int64?
}

/// The end of one file: everything but the rows.
struct ParsedUnit: Sendable {
    var label: String
    var path: String
    var member: String
    /// Hex SHA-256 of the file's (decompressed) bytes.
    var digest: String
    /// Lines that were data rows (headers, comments, blank lines excluded).
    var rows: Int
    var adjustments: [ImportAdjustment: Int]
    var invalidRows: [String: Int]
    var workloads: [ParsedWorkload]
    var minTimestamp: Int64?
    var maxTimestamp: Int64?
}

/// The protocol between the parsing thread (producer) and the writing thread (consumer):
/// for each file `begin`, any number of `chunk`s, then `end` or `failed`; after the files
/// of a compressed input `inputDone`; finally `finished`.
enum ImportMessage: Sendable {
    case begin(label: String)
    case chunk(ParsedChunk)
    case end(ParsedUnit)
    case failed(ImportError)
    case inputDone(path: String, rawDigest: String)
    case finished
}
