import Forecast

/// Alibaba cluster-trace-v2018 `machine_usage` and `container_usage` (schema:
/// alibaba/clusterdata, cluster-trace-v2018/schema.md). No header; comma-separated.
///
/// - machine_usage: machine_id, time_stamp, cpu_util_percent, mem_util_percent, mem_gps,
///   mkpi, net_in, net_out, disk_io_percent (9 fields).
/// - container_usage: container_id, machine_id, time_stamp, cpu_util_percent,
///   mem_util_percent, cpi, mem_gps, mpki, net_in, net_out, disk_io_percent (11 fields).
///
/// Conversion (DESIGN.md: percent → fraction of the capacity when that is all a trace
/// has): `cpuCores = cpu% / 100 × ImportOptions.cpuCapacityCores`, `memoryBytes = mem% /
/// 100 × memoryCapacityBytes`, `networkReceive/Transmit = net_in/out / 100 ×
/// networkCapacityBytesPerSecond` (Alibaba normalises traffic to [0, 100]); the
/// capacities are also the limits. Timestamps are seconds from the trace's start, added to
/// `ImportOptions.epoch`, rounded to whole seconds. `disk_io_percent` has no place in the
/// resource vector (it is a utilisation, not read/write bytes): it is validated, its
/// documented abnormal `-1` and `101` values are counted as anomalies, and it is not
/// stored. mem_gps, mkpi, cpi, mpki are not resources and are ignored (empty allowed).
struct AlibabaParser: TraceParser {
    static let machineColumns = ["machine_id", "time_stamp", "cpu_util_percent", "mem_util_percent", "mem_gps",
                                 "mkpi", "net_in", "net_out", "disk_io_percent"]
    static let containerColumns = ["container_id", "machine_id", "time_stamp", "cpu_util_percent", "mem_util_percent",
                                   "cpi", "mem_gps", "mpki", "net_in", "net_out", "disk_io_percent"]

    let containers: Bool
    let options: ImportOptions
    private var splitter = FieldSplitter(separator: UInt8(ascii: ","))
    private var lastID: [UInt8] = []
    private var handle = -1

    init(containers: Bool, options: ImportOptions) {
        self.containers = containers
        self.options = options
    }

    mutating func beginFile(stem: String, sink: SampleSink) throws {
        lastID = []
        handle = -1
    }

    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws {
        if isBlankOrComment(line) { sink.note(.notData); return }
        let names = containers ? Self.containerColumns : Self.machineColumns
        let n = splitter.split(line)
        if lineNumber == 1, n == names.count, splitter.text(1) == names[1] { sink.note(.notData); return }
        try splitter.requireCount(names.count, description: "separated by ',' (Alibaba v2018 \(containers ? "container_usage" : "machine_usage"))")
        let base = containers ? 1 : 0   // container rows have machine_id before time_stamp
        let id = splitter.field(0)
        guard !id.isEmpty else {
            throw FieldError(column: 1, columnName: names[0], expected: "a non-empty id", found: "")
        }
        if handle < 0 || !id.elementsEqual(lastID) {
            lastID = Array(id)
            handle = sink.handle(for: try splitter.checkedName(options.prefix + String(decoding: id, as: UTF8.self),
                                                               field: 0, columnName: names[0]))
            sink.proposeLimits(handle, ResourceVector(
                cpuCores: options.cpuCapacityCores, memoryBytes: options.memoryCapacityBytes,
                networkReceiveBytesPerSecond: options.networkCapacityBytesPerSecond,
                networkTransmitBytesPerSecond: options.networkCapacityBytesPerSecond))
        }
        let relative = try splitter.timestamp(1 + base, name: names[1 + base])
        let (sum, overflow) = relative.addingReportingOverflow(options.epoch)
        let timestamp = try splitter.checkedTimestamp(overflow ? nil : sum, field: 1 + base, name: names[1 + base])
        var usage = ResourceVector.absent
        func percent(_ field: Int, of capacity: Double, _ resource: Resource) throws -> Double {
            try splitter.checkedValue(try splitter.number(field, name: names[field], sink: sink) / 100 * capacity, resource,
                                      field: field, name: names[field])
        }
        usage.cpuCores = try percent(2 + base, of: options.cpuCapacityCores, .cpuCores)
        usage.memoryBytes = try percent(3 + base, of: options.memoryCapacityBytes, .memoryBytes)
        let netColumn = containers ? 8 : 6
        usage.networkReceiveBytesPerSecond = try percent(netColumn, of: options.networkCapacityBytesPerSecond, .networkReceiveBytesPerSecond)
        usage.networkTransmitBytesPerSecond = try percent(netColumn + 1, of: options.networkCapacityBytesPerSecond,
                                                          .networkTransmitBytesPerSecond)
        let diskColumn = names.count - 1
        if !splitter.isEmpty(diskColumn) {
            let disk = try splitter.number(diskColumn, name: names[diskColumn], sink: sink)
            if disk == -1 || disk == 101 { sink.note(.alibabaAnomaly) }
        }
        try sink.add(handle, timestamp: timestamp, usage: usage)
    }
}
