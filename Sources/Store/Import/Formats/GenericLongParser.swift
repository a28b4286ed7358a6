import Forecast

/// The generic long CSV, for any source Headroom has no importer for:
///
/// ```
/// workload,timestamp,resource,value
/// web-1,2024-05-01T00:00:00Z,cpu_cores,1.25
/// web-1,1714521600,memory_bytes,2147483648
/// ```
///
/// The header is required and exact. `timestamp` is ISO-8601 (UTC unless an offset is
/// given) or Unix seconds; `resource` is a snake_case name of the resource vector
/// (`cpu_cores`, `memory_bytes`, `disk_read_bytes_per_second`,
/// `disk_write_bytes_per_second`, `network_receive_bytes_per_second`,
/// `network_transmit_bytes_per_second`); `value` is in those SI units. Rows of one
/// (workload, timestamp) are merged into one sample, in any order within the file; a
/// second value for the same (workload, timestamp, resource) is a duplicate (first kept).
/// No quoting: names must not contain commas.
struct GenericLongParser: TraceParser {
    static let header = ["workload", "timestamp", "resource", "value"]
    let options: ImportOptions
    private var splitter = FieldSplitter(separator: UInt8(ascii: ","))
    private var pending: [Int: [Int64: ResourceVector]] = [:]
    private var sawHeader = false

    init(options: ImportOptions) { self.options = options }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        pending = [:]
        sawHeader = false
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) { sink.note(.notData); return }
        let n = splitter.split(line)
        if !sawHeader {
            guard n == 4, (0..<4).allSatisfy({ splitter.text($0).lowercased() == Self.header[$0] }) else {
                throw FieldError(column: 1, columnName: "header", expected: "the header workload,timestamp,resource,value",
                                 found: String(decoding: line.prefix(80), as: UTF8.self))
            }
            sawHeader = true
            sink.note(.notData)
            return
        }
        try splitter.requireCount(4, description: "separated by ',': workload,timestamp,resource,value")
        guard !splitter.isEmpty(0) else {
            throw FieldError(column: 1, columnName: "workload", expected: "a workload name", found: "")
        }
        let name = try splitter.checkedName(options.prefix + splitter.text(0), field: 0, columnName: "workload")
        let timestamp = try splitter.checkedTimestamp(try splitter.timestamp(1, name: "timestamp"), field: 1, name: "timestamp")
        guard let resource = Resource(snakeCaseName: splitter.text(2)) else {
            throw FieldError(column: 3, columnName: "resource",
                             expected: "one of " + Resource.allCases.map(\.snakeCaseName).joined(separator: ", "),
                             found: splitter.text(2))
        }
        let value = try splitter.checkedValue(try splitter.number(3, name: "value", sink: sink), resource, field: 3, name: "value")
        let handle = sink.handle(for: name)
        var sample = pending[handle, default: [:]][timestamp] ?? .absent
        if !sample[resource].isNaN { sink.note(.duplicateTimestamp); return }
        sample[resource] = value
        pending[handle, default: [:]][timestamp] = sample
    }

    mutating func endFile(sink: SampleSink) throws {
        for handle in pending.keys.sorted() {
            for (timestamp, usage) in pending[handle]!.sorted(by: { $0.key < $1.key }) {
                try sink.add(handle, timestamp: timestamp, usage: usage)
            }
        }
        pending = [:]
    }
}
