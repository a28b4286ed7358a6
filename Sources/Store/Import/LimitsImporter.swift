import Forecast
import Foundation
import GRDB
import PostgresNIO

/// Sets workload limits from a CSV with the exact header
/// `workload,cpu_cores,memory_bytes,disk_read_bytes_per_second,disk_write_bytes_per_second,network_receive_bytes_per_second,network_transmit_bytes_per_second`.
/// An empty field means no limit on that resource (stored as NULL). Values are SI units,
/// finite and ≥ 0. All rows apply in one transaction: any bad row (or unknown workload)
/// changes nothing, and the error names the file, line and column.
public enum LimitsImporter {
    public static let header = ["workload"] + Resource.allCases.map(\.snakeCaseName)

    /// Applies the file; returns the number of workloads updated.
    public static func apply(file path: String, to store: HeadroomStore) throws -> Int {
        let source = try FileByteSource(path: path)
        let reader = LineReader(source: source)
        var splitter = FieldSplitter(separator: UInt8(ascii: ","))
        var updates: [(line: Int, workload: String, limits: ResourceVector)] = []
        var sawHeader = false
        while let line = try reader.nextLine() {
            if isBlankOrComment(line) { continue }
            let n = splitter.split(line)
            func fail(_ column: Int, _ name: String, _ expected: String, _ found: String) -> ImportError {
                .malformed(file: path, line: reader.lineNumber, column: column, columnName: name, expected: expected, found: found)
            }
            if !sawHeader {
                guard n == header.count, (0..<n).allSatisfy({ splitter.text($0) == header[$0] }) else {
                    throw fail(1, "header", "the header " + header.joined(separator: ","), String(decoding: line.prefix(80), as: UTF8.self))
                }
                sawHeader = true
                continue
            }
            guard n == header.count else { throw fail(min(n, header.count) + 1, "(row)", "\(header.count) fields", "\(n) fields") }
            guard !splitter.isEmpty(0) else { throw fail(1, "workload", "a workload name", "") }
            var limits = ResourceVector.absent
            for resource in Resource.allCases {
                let column = resource.rawValue + 1
                if splitter.isEmpty(column) { continue }
                guard let value = NumberParser.parseDouble(splitter.field(column)),
                      InputRules.valueViolation(value, resource: resource) == nil else {
                    throw fail(column + 1, resource.snakeCaseName,
                               "a finite number ≥ 0 and ≤ \(InputRules.maximumValue(resource)) in SI units, or empty for no limit",
                               splitter.text(column))
                }
                limits[resource] = value
            }
            updates.append((reader.lineNumber, splitter.text(0), limits))
        }
        guard sawHeader else { throw ImportError.configuration("\(path): empty limits file; expected the header " + header.joined(separator: ",")) }
        try store.setLimits(updates, file: path)
        return updates.count
    }
}

extension HeadroomStore {
    /// Sets each named workload's limits (NaN = no limit) in one transaction.
    /// - Throws: `ImportError.malformed` naming `file` and the line of the first unknown
    ///   workload; nothing is changed then.
    func setLimits(_ updates: [(line: Int, workload: String, limits: ResourceVector)], file: String) throws {
        func unknown(_ update: (line: Int, workload: String, limits: ResourceVector)) -> ImportError {
            .malformed(file: file, line: update.line, column: 1, columnName: "workload",
                       expected: "the name of a workload in the store", found: update.workload)
        }
        if let postgres {
            let columns = Resource.allCases.map { "limit_\($0.snakeCaseName) = $\($0.rawValue + 2)" }.joined(separator: ", ")
            try postgres.transaction { session in
                for update in updates {
                    var bindings = PostgresBindings.of(update.workload)
                    for resource in Resource.allCases { bindings.add(update.limits[resource]) }
                    guard try session.execute("UPDATE workloads SET \(columns) WHERE name = $1", bindings) == 1 else {
                        throw unknown(update)
                    }
                }
            }
            return
        }
        try writer.write { db in
            for update in updates {
                guard var record = try WorkloadRecord.filter(Column("name") == update.workload).fetchOne(db) else { throw unknown(update) }
                record.limits = update.limits
                try record.update(db)
            }
        }
    }
}
