import Forecast
import Foundation
import Testing
@testable import Store

/// Issue 12, items 2 and 3: no imported row can crash the importer (numeric overflow used
/// to trap with SIGILL), and one rule (`InputRules`) for names, timestamps and values holds
/// in every importer. Each case runs on a real SQLite file and checks the store is left
/// without the refused file, then that `--skip-invalid` skips exactly the bad rows.
@Suite("Import robustness on hostile input")
struct ImportRobustnessTests {
    /// Imports `text` as `name` and returns the failure (nil when it imported).
    static func failure(_ format: TraceFormat, _ text: String, name: String = "t.csv",
                        configure: (inout ImportOptions) -> Void = { _ in }) throws -> (ImportFailure?, HeadroomStore, URL) {
        let (store, directory) = try TestSupport.makeStore(.file)
        let path = TestSupport.write(text, name, in: directory)
        do {
            _ = try TestSupport.importer(store, format, configure: configure).run(paths: [path])
            return (nil, store, directory)
        } catch {
            return (error, store, directory)
        }
    }

    /// The error is `.malformed` at `line`, column `column`, and the store holds nothing.
    static func expectMalformed(_ format: TraceFormat, _ text: String, line: Int, column: Int, expected: String,
                                configure: (inout ImportOptions) -> Void = { _ in },
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (error, store, directory) = try failure(format, text, configure: configure)
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = try #require(error, "imported \(format) input that must be refused", sourceLocation: sourceLocation)
        guard case .malformed(let file, let l, let c, _, let e, _) = failure.error else {
            Issue.record("expected .malformed, got \(failure.error)", sourceLocation: sourceLocation)
            return
        }
        #expect(file.hasSuffix("t.csv"), sourceLocation: sourceLocation)
        #expect(l == line, sourceLocation: sourceLocation)
        #expect(c == column, sourceLocation: sourceLocation)
        #expect(e.contains(expected), "expected text: \(e)", sourceLocation: sourceLocation)
        #expect(try TestSupport.sampleCount(store) == 0, sourceLocation: sourceLocation)
        #expect(try store.workloads().isEmpty, sourceLocation: sourceLocation)
    }

    /// With `--skip-invalid` the same text imports `samples` samples and skips `skipped` rows.
    static func expectSkipped(_ format: TraceFormat, _ text: String, samples: Int, skipped: Int,
                              configure: (inout ImportOptions) -> Void = { _ in },
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (store, directory) = try TestSupport.makeStore(.file)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(text, "t.csv", in: directory)
        let summary = try TestSupport.importer(store, format, skipInvalid: true, configure: configure).run(paths: [path])
        #expect(summary.samplesInserted == samples, sourceLocation: sourceLocation)
        #expect(summary.invalidRowsSkipped.values.reduce(0, +) == skipped, sourceLocation: sourceLocation)
    }

    // MARK: - Item 2: overflow

    @Test("azure-v1: a row index of 1e300 or 10¹⁷ is a typed error naming the field, skipped with --skip-invalid")
    func azureIndexOverflow() throws {
        for index in ["1e300", "100000000000000000", "-1e300"] {
            let text = "timestamp,vm1\n1,5\n\(index),6\n"
            try Self.expectMalformed(.azureV1, text, line: 3, column: 1, expected: "row index")
            try Self.expectSkipped(.azureV1, text, samples: 1, skipped: 1)
        }
    }

    @Test("generic: timestamps 5e18 and ±9.1e18 are refused (they trapped in the gap count)")
    func genericTimestampOverflow() throws {
        for timestamp in ["5000000000000000000", "9100000000000000000", "-9100000000000000000"] {
            let text = "workload,timestamp,resource,value\nw,0,cpu_cores,1\nw,\(timestamp),cpu_cores,1\n"
            try Self.expectMalformed(.generic, text, line: 3, column: 2, expected: "1970-01-01 up to 2099-12-31")
            try Self.expectSkipped(.generic, text, samples: 1, skipped: 1)
        }
        // Both extremes in one file, as the issue found them.
        let text = "workload,timestamp,resource,value\nw,-9100000000000000000,cpu_cores,1\nw,9100000000000000000,cpu_cores,1\n"
        try Self.expectMalformed(.generic, text, line: 2, column: 2, expected: "1970-01-01")
    }

    @Test("alibaba-machine: --epoch 9e18 is a configuration error; a relative time that overflows is a field error")
    func alibabaEpochOverflow() throws {
        let row = "m_1,10,5,6,,,1,1,3\n"
        let (error, store, directory) = try Self.failure(.alibabaMachine, row) { $0.epoch = 9_000_000_000_000_000_000 }
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = try #require(error)
        guard case .configuration(let message) = failure.error else { Issue.record("got \(failure.error)"); return }
        #expect(message.contains("--epoch"))
        #expect(try TestSupport.sampleCount(store) == 0)
        try Self.expectMalformed(.alibabaMachine, row + "m_1,9000000000000000000,5,6,,,1,1,3\n", line: 2, column: 2,
                                 expected: "1970-01-01") { $0.epoch = 1_000_000_000 }
        try Self.expectSkipped(.alibabaMachine, row + "m_1,9000000000000000000,5,6,,,1,1,3\n", samples: 1, skipped: 1) {
            $0.epoch = 1_000_000_000
        }
    }

    @Test("google-gcd: --interval 2^62 is a configuration error, not a trap")
    func googleIntervalOverflow() throws {
        let (error, store, directory) = try Self.failure(.googleGCD, "10 20\n30 40\n") { $0.intervalSeconds = 4_611_686_018_427_387_904 }
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = try #require(error)
        guard case .configuration(let message) = failure.error else { Issue.record("got \(failure.error)"); return }
        #expect(message.contains("--interval"))
        #expect(try TestSupport.sampleCount(store) == 0)
    }

    // MARK: - Item 3: one rule for names, timestamps, values

    @Test("absurd timestamps are refused in every importer that reads them: 9e18, negative, year 0000, year 2100")
    func absurdTimestamps() throws {
        for timestamp in ["9000000000000000000", "-5", "0000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"] {
            try Self.expectMalformed(.generic, "workload,timestamp,resource,value\nw,\(timestamp),cpu_cores,1\n",
                                     line: 2, column: 2, expected: "1970-01-01")
            try Self.expectMalformed(.nab, "timestamp,value\n\(timestamp),5\n", line: 2, column: 1, expected: "1970-01-01") {
                $0.nabMetric = .cpuPercent
            }
            try Self.expectMalformed(.bitbrains, "\(timestamp);\t2;\t5000.0;\t1.0;\t1.0;\t8388608.0;\t1.0;\t0.0;\t1.0;\t2.0;\t3.0\n",
                                     line: 1, column: 1, expected: "1970-01-01")
        }
        // The last second of 2099 is in range.
        let (error, _, directory) = try Self.failure(.generic, "workload,timestamp,resource,value\nw,4102444799,cpu_cores,1\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(error == nil)
    }

    @Test("a 100,000-byte workload name, a NUL in a name and an empty Alibaba id are refused, naming the field")
    func badNames() throws {
        let long = String(repeating: "x", count: 100_000)
        try Self.expectMalformed(.generic, "workload,timestamp,resource,value\n\(long),0,cpu_cores,1\n", line: 2, column: 1,
                                 expected: "at most 253 UTF-8 bytes")
        try Self.expectSkipped(.generic, "workload,timestamp,resource,value\n\(long),0,cpu_cores,1\nw,0,cpu_cores,1\n",
                               samples: 1, skipped: 1)
        try Self.expectMalformed(.generic, "workload,timestamp,resource,value\nnul\u{0}a,0,cpu_cores,1\n", line: 2, column: 1,
                                 expected: "without control characters")
        try Self.expectMalformed(.alibabaMachine, "m\u{1}1,10,5,6,,,1,1,3\n", line: 1, column: 1, expected: "control characters")
        try Self.expectMalformed(.azureV1, "timestamp,vm\u{7F}1\n1,5\n", line: 1, column: 2, expected: "control characters")
        // 253 bytes is fine.
        let (error, _, directory) = try Self.failure(.generic, "workload,timestamp,resource,value\n\(String(repeating: "y", count: 253)),0,cpu_cores,1\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(error == nil)
    }

    @Test("values that are infinite or above the physical bound are refused; NaN and negative keep their defined behaviour")
    func absurdValues() throws {
        try Self.expectMalformed(.generic, "workload,timestamp,resource,value\nw,0,cpu_cores,1e308\n", line: 2, column: 4,
                                 expected: "cpu_cores ≤ 1000000")
        try Self.expectMalformed(.generic, "workload,timestamp,resource,value\nw,0,memory_bytes,2e15\n", line: 2, column: 4,
                                 expected: "memory_bytes")
        try Self.expectMalformed(.azureV1, "timestamp,vm1\n1,1e300\n", line: 2, column: 2, expected: "cpu_cores")
        try Self.expectMalformed(.googleGCD, "10 1e300\n", line: 1, column: 2, expected: "memory_bytes")
        try Self.expectMalformed(.bitbrains, "0;\t2;\t5000.0;\t1.0;\t1.0;\t8388608.0;\t1e300;\t0.0;\t1.0;\t2.0;\t3.0\n",
                                 line: 1, column: 7, expected: "memory_bytes")
        try Self.expectMalformed(.alibabaContainer, "c_1,m_1,10,5,1e300,,,,1,1,3\n", line: 1, column: 5, expected: "memory_bytes") {
            $0.memoryCapacityBytes = 1e9
        }
        try Self.expectSkipped(.generic, "workload,timestamp,resource,value\nw,0,cpu_cores,1e308\nw,300,cpu_cores,2\n",
                               samples: 1, skipped: 1)
        // The bound itself is accepted; a negative value is still stored as "not measured".
        let (store, directory) = try TestSupport.makeStore(.file)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write("workload,timestamp,resource,value\nw,0,cpu_cores,1000000\nw,0,memory_bytes,-1\n", "ok.csv", in: directory)
        let summary = try TestSupport.importer(store, .generic).run(paths: [path])
        #expect(summary.samplesInserted == 1)
        #expect(summary.adjustments[ImportAdjustment.negativeValue.rawValue] == 1)
    }

    @Test("a UTF-8 byte-order mark at the start of a file is stripped: one workload m_1, not \\u{FEFF}m_1")
    func byteOrderMark() throws {
        let (store, directory) = try TestSupport.makeStore(.file)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write("\u{FEFF}m_1,10,5,6,,,1,1,3\nm_1,20,5,6,,,1,1,3\n", "machine_usage.csv", in: directory)
        let summary = try TestSupport.importer(store, .alibabaMachine).run(paths: [path])
        #expect(summary.samplesInserted == 2)
        #expect(try store.workloads().map(\.name) == ["m_1"])
        // A generic file saved with a BOM still has its header recognised.
        let generic = TestSupport.write("\u{FEFF}workload,timestamp,resource,value\nw,0,cpu_cores,1\n", "g.csv", in: directory)
        #expect(try TestSupport.importer(store, .generic).run(paths: [generic]).samplesInserted == 1)
    }

    @Test("file-named workloads: a prefix with a control character is a configuration error")
    func badPrefix() throws {
        let (error, _, directory) = try Self.failure(.googleGCD, "10 20\n") { $0.prefix = "a\nb" }
        defer { try? FileManager.default.removeItem(at: directory) }
        let failure = try #require(error)
        guard case .configuration(let message) = failure.error else { Issue.record("got \(failure.error)"); return }
        #expect(message.contains("--prefix"))
    }
}

@Suite("InputRules")
struct InputRulesTests {
    @Test("names: empty, 254 bytes, NUL, DEL, C1 and a leading BOM are violations; 253 bytes and Unicode are fine")
    func names() {
        #expect(InputRules.nameViolation("") != nil)
        #expect(InputRules.nameViolation(String(repeating: "a", count: 254)) != nil)
        #expect(InputRules.nameViolation(String(repeating: "a", count: 253)) == nil)
        #expect(InputRules.nameViolation(String(repeating: "é", count: 127)) != nil)   // 254 bytes
        #expect(InputRules.nameViolation("nul\u{0}a")?.field == "workload")
        #expect(InputRules.nameViolation("del\u{7F}") != nil)
        #expect(InputRules.nameViolation("c1\u{85}") != nil)
        #expect(InputRules.nameViolation("\u{FEFF}m_1") != nil)
        #expect(InputRules.nameViolation("web-1.pod/züri ☃") == nil)
    }

    @Test("timestamps: imports take 1970 … 2099, live input up to one day ahead of now")
    func timestamps() {
        #expect(InputRules.importTimestampViolation(0) == nil)
        #expect(InputRules.importTimestampViolation(-1) != nil)
        #expect(InputRules.importTimestampViolation(4_102_444_799) == nil)
        #expect(InputRules.importTimestampViolation(4_102_444_800) != nil)
        #expect(InputRules.importTimestampViolation(.max) != nil)
        let now: Int64 = 1_700_000_000
        #expect(InputRules.liveTimestampViolation(now + 86_400, nowSeconds: now) == nil)
        #expect(InputRules.liveTimestampViolation(now + 86_401, nowSeconds: now) != nil)
        #expect(InputRules.liveTimestampViolation(4_102_444_800, nowSeconds: now) != nil)   // 2100
        #expect(InputRules.liveTimestampViolation(-1, nowSeconds: now) != nil)
        #expect(InputRules.liveTimestampViolation(5, nowSeconds: .max) == nil)
    }

    @Test("values: finite, ≥ 0, at most the physical bound of the resource")
    func values() {
        for r in Resource.allCases {
            #expect(InputRules.valueViolation(0, resource: r) == nil)
            #expect(InputRules.valueViolation(InputRules.maximumValue(r), resource: r) == nil)
            #expect(InputRules.valueViolation(InputRules.maximumValue(r).nextUp, resource: r)?.field == r.snakeCaseName)
            #expect(InputRules.valueViolation(-1, resource: r) != nil)
            #expect(InputRules.valueViolation(.nan, resource: r) != nil)
            #expect(InputRules.valueViolation(.infinity, resource: r) != nil)
            #expect(InputRules.valueViolation(1e308, resource: r) != nil)
        }
        #expect(InputRules.maximumValue(.memoryBytes) == 1_125_899_906_842_624)
    }
}
