import Forecast

/// Azure Public Dataset V1 VM CPU in wide form: a header `timestamp,<vm id>,<vm id>,…`,
/// then one row per 5-minute step whose first field is the step's row index (1, 2, …)
/// and whose other fields are each VM's average CPU %.
///
/// Conversion: the row with index i is at `epoch + (i − 1) × intervalSeconds`; each
/// column is a workload named prefix + its VM id; `cpuCores = cpu% / 100 ×
/// cpuCapacityCores` (the VM's core count is not in this file; default 1 = fraction of
/// the VM), which is also the limit. An empty cell means the VM had no reading.
struct AzureV1Parser: TraceParser {
    let options: ImportOptions
    private var splitter = FieldSplitter(separator: UInt8(ascii: ","))
    private var handles: [Int] = []
    private var vmNames: [String] = []

    init(options: ImportOptions) { self.options = options }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        handles = []
        vmNames = []
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) { sink.note(.notData); return }
        let n = splitter.split(line)
        if handles.isEmpty {
            guard n >= 2, startsWithLetter(splitter.field(0)) else {
                throw FieldError(column: 1, columnName: "header", expected: "a header line: timestamp,<vm id>,<vm id>,…",
                                 found: String(decoding: line.prefix(60), as: UTF8.self))
            }
            for k in 1..<n {
                guard !splitter.isEmpty(k) else {
                    throw FieldError(column: k + 1, columnName: "header", expected: "a VM id", found: "")
                }
                let name = try splitter.checkedName(options.prefix + splitter.text(k), field: k, columnName: "header (VM id)")
                vmNames.append(splitter.text(k))
                handles.append(sink.handle(for: name))
                sink.proposeLimits(handles[k - 1], ResourceVector(cpuCores: options.cpuCapacityCores))
            }
            sink.note(.notData)
            return
        }
        try splitter.requireCount(handles.count + 1, description: "(the row index and one CPU % per VM in the header)")
        let index = try splitter.number(0, name: "timestamp (row index)", sink: sink)
        // |index| ≤ 2⁵³: an integer a Double holds exactly (and that converts to Int64).
        guard index.isFinite, index == index.rounded(), abs(index) <= 9_007_199_254_740_992 else {
            throw FieldError(column: 1, columnName: "timestamp (row index)", expected: "an integer row index", found: splitter.text(0))
        }
        let timestamp = try splitter.checkedTimestamp(checkedAffine(options.epoch, Int64(index) - 1, options.intervalSeconds),
                                                      field: 0, name: "timestamp (row index)")
        for k in 0..<handles.count {
            let cpu = try splitter.checkedValue(try splitter.number(k + 1, name: vmNames[k], sink: sink) / 100 * options.cpuCapacityCores,
                                                .cpuCores, field: k + 1, name: vmNames[k])
            try sink.add(handles[k], timestamp: timestamp, usage: ResourceVector(cpuCores: cpu))
        }
    }
}
