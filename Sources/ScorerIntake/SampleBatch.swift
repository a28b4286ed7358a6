import Foundation
import Forecast
import Hummingbird
import Store

/// One `POST /v1/samples` body, parsed strictly:
///
/// ```json
/// {"pop": "ams1",
///  "samples": [{"workload": "w", "timestamp": 1375315200, "cpu_cores": 1.5, "memory_bytes": 2e9}],
///  "allocations": {"w": {"cpu_cores": 2, "memory_bytes": 4294967296}},
///  "checkpoints": {"w": 1375315000}}
/// ```
///
/// - `samples` (required): resources by their snake_case names, each optional (absent or
///   null = not measured), no other keys.
/// - `pop` (optional): the POP the reporting agent runs on; the batch is its heartbeat and
///   places the workloads first seen there.
/// - `allocations` (optional, needs `pop`): what each workload is given at the POP, keyed by
///   workloads of this batch; used when the workload is placed (default: the scorer's
///   `AllocationRule`) and scored against.
/// - `checkpoints` (optional, needs `pop`): Unix seconds of each workload's last good
///   checkpoint (a restart after its POP goes down resumes from there).
/// - `traces` (optional): execution-trace events (`SampleBatch.TraceItem`), stored with
///   the samples in one transaction and fed to the workloads' online states.
///
/// Names, times and values follow `InputRules` (`SampleBatch+Rules`): names ≤ 253 bytes
/// without control characters, times from 1970 to a day after the scorer's clock, values
/// finite, ≥ 0 and below each resource's physical bound.
/// Every problem is a 400 naming the sample (or workload, or trace element) and field;
/// nothing is applied unless the whole batch parses. More than `maxSamples` samples or
/// `maxTraces` trace events is a 413.
public struct SampleBatch: Sendable {
    package var pop: String?
    package var samples: [IncomingSample]
    /// Per workload, `Resource.count` SI values, NaN = not given.
    package var allocations: [String: [Double]]
    package var checkpoints: [String: Int64]
    /// Workloads of the batch the agent can move live (its VMs: QEMU's live migration).
    package var liveMigratable: Set<String> = []
    /// In the order sent.
    package var traces: [IncomingTraceEvent]

    package init(pop: String? = nil, samples: [IncomingSample], allocations: [String: [Double]] = [:], checkpoints: [String: Int64] = [:],
         traces: [IncomingTraceEvent] = []) {
        self.pop = pop
        self.samples = samples
        self.allocations = allocations
        self.checkpoints = checkpoints
        self.traces = traces
    }

    package struct Key: CodingKey {
        package var stringValue: String
        package var intValue: Int? { nil }
        package init(stringValue: String) { self.stringValue = stringValue }
        package init?(intValue: Int) { nil }
    }

    static let topLevelKeys: Set<String> = ["pop", "samples", "allocations", "checkpoints", "traces", "live_migratable"]
    static let resourcesByName = Dictionary(uniqueKeysWithValues: Resource.allCases.map { ($0.snakeCaseName, $0) })
    static var resourceNames: String { Resource.allCases.map(\.snakeCaseName).joined(separator: ", ") }

    struct Body: Decodable {
        var pop: String?
        var samples: [Item]
        var allocations: [String: Amounts]?
        var checkpoints: [String: Checkpoint]?
        var traces: [TraceItem]?
        var liveMigratable: [String]?
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where !SampleBatch.topLevelKeys.contains(key.stringValue) {
                throw BatchError("unknown key \"\(key.stringValue)\" at the top level; expected \"samples\" and optionally \"pop\", \"allocations\", \"checkpoints\", \"traces\", \"live_migratable\"")
            }
            guard container.contains(Key(stringValue: "samples")) else { throw BatchError("expected an object {\"samples\": [...]}") }
            pop = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "pop"))
            samples = try container.decode([Item].self, forKey: Key(stringValue: "samples"))
            allocations = try container.decodeIfPresent([String: Amounts].self, forKey: Key(stringValue: "allocations"))
            checkpoints = try container.decodeIfPresent([String: Checkpoint].self, forKey: Key(stringValue: "checkpoints"))
            traces = try container.decodeIfPresent([TraceItem].self, forKey: Key(stringValue: "traces"))
            liveMigratable = try container.decodeIfPresent([String].self, forKey: Key(stringValue: "live_migratable"))
        }
    }

    struct Item: Decodable {
        var sample: IncomingSample
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where key.stringValue != "workload" && key.stringValue != "timestamp" && SampleBatch.resourcesByName[key.stringValue] == nil {
                throw BatchError("\(SampleBatch.path(decoder.codingPath)): unknown field \"\(key.stringValue)\"; expected workload, timestamp and resource names (\(SampleBatch.resourceNames))")
            }
            let workload = try container.decode(String.self, forKey: Key(stringValue: "workload"))
            let timestamp = try SampleBatch.unixSeconds(container, Key(stringValue: "timestamp"), decoder.codingPath)
            var values = [Double](repeating: .nan, count: Resource.count)
            for resource in Resource.allCases {
                if let v = try container.decodeIfPresent(Double.self, forKey: Key(stringValue: resource.snakeCaseName)) { values[resource.rawValue] = v }
            }
            sample = IncomingSample(workload: workload, timestamp: timestamp, values: values)
        }
    }

    /// One workload's checkpoint time, Unix seconds.
    struct Checkpoint: Decodable {
        var seconds: Int64
        init(from decoder: any Decoder) throws {
            do { seconds = try decoder.singleValueContainer().decode(Int64.self) } catch {
                throw BatchError("\(SampleBatch.path(decoder.codingPath)): expected \(SampleBatch.describe(Int64.self))")
            }
        }
    }

    /// Decodes an integer timestamp, naming the field when it is missing or not an integer
    /// (JSONDecoder reports a fractional number with no coding path).
    static func unixSeconds(_ container: KeyedDecodingContainer<Key>, _ key: Key, _ codingPath: [any CodingKey]) throws -> Int64 {
        guard container.contains(key) else { throw BatchError("\(path(codingPath + [key])): missing") }
        do { return try container.decode(Int64.self, forKey: key) } catch {
            throw BatchError("\(path(codingPath + [key])): expected \(describe(Int64.self))")
        }
    }

    /// One workload's allocation: resource names only, each a number ≥ 0.
    struct Amounts: Decodable {
        var values: [Double]
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            values = [Double](repeating: .nan, count: Resource.count)
            for key in container.allKeys {
                guard let resource = SampleBatch.resourcesByName[key.stringValue] else {
                    throw BatchError("\(SampleBatch.path(decoder.codingPath)): unknown resource \"\(key.stringValue)\"; expected \(SampleBatch.resourceNames)")
                }
                let v = try container.decode(Double.self, forKey: key)
                if let violation = InputRules.valueViolation(v, resource: resource) {
                    throw BatchError("\(SampleBatch.path(decoder.codingPath + [key])): expected \(violation.expected), found \(violation.found)")
                }
                values[resource.rawValue] = v
            }
        }
    }

    package struct BatchError: Error { package var message: String; package init(_ m: String) { message = m } }

    /// - Parameter nowSeconds: the scorer's clock, Unix seconds: sample and trace times may
    ///   be up to a day ahead of it (`InputRules.liveTimestampViolation`).
    /// - Throws: `HTTPError` 400 (malformed, naming the field), `FieldViolation` 400 (a
    ///   name, time or value `InputRules` refuses, naming the element, workload and field)
    ///   or 413 (too many samples or trace events).
    public static func parse(_ body: ByteBuffer, maxSamples: Int, maxTraces: Int = 10_000,
                      nowSeconds: Int64 = Int64(Date().timeIntervalSince1970)) throws -> SampleBatch {
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: Data(buffer: body))
        } catch let error as BatchError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let DecodingError.typeMismatch(type, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath)): expected \(describe(type))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath + [key])): missing")
        } catch let DecodingError.valueNotFound(type, context) {
            throw HTTPError(.badRequest, message: "\(path(context.codingPath)): expected \(describe(type)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            if let underlying = context.underlyingError as? BatchError { throw HTTPError(.badRequest, message: underlying.message) }
            if context.codingPath.isEmpty { throw HTTPError(.badRequest, message: "body is not valid JSON") }
            let field = path(context.codingPath)
            if context.codingPath.last?.stringValue == "timestamp" || context.codingPath.first?.stringValue == "checkpoints" {
                throw HTTPError(.badRequest, message: "\(field): expected \(describe(Int64.self))")
            }
            throw HTTPError(.badRequest, message: "\(field): \(context.debugDescription)")
        } catch {
            throw HTTPError(.badRequest, message: "body is not a sample batch: \(error)")
        }
        guard decoded.samples.count <= maxSamples else {
            throw HTTPError(.contentTooLarge, message: "\(decoded.samples.count) samples in one batch; at most \(maxSamples)")
        }
        let traces = (decoded.traces ?? []).map(\.event)
        guard traces.count <= maxTraces else {
            throw HTTPError(.contentTooLarge, message: "\(traces.count) trace events in one batch; at most \(maxTraces)")
        }
        try checkRules(samples: decoded.samples.map(\.sample), traces: traces, nowSeconds: nowSeconds)
        for (i, item) in decoded.samples.enumerated() {
            if let problem = HeadroomStore.problem(with: item.sample) { throw HTTPError(.badRequest, message: "samples[\(i)]: \(problem)") }
        }
        for (i, event) in traces.enumerated() {
            if let problem = HeadroomStore.problem(with: event) { throw HTTPError(.badRequest, message: "traces[\(i)]: \(problem)") }
        }
        if let pop = decoded.pop, pop.isEmpty { throw HTTPError(.badRequest, message: "pop: is empty; give the name of the agent's POP or leave it out") }
        let named = Set(decoded.samples.map(\.sample.workload))
        for (field, keys) in [("allocations", decoded.allocations.map { Array($0.keys) }), ("checkpoints", decoded.checkpoints.map { Array($0.keys) }),
                              ("live_migratable", decoded.liveMigratable)] {
            guard let keys else { continue }
            if decoded.pop == nil, !keys.isEmpty {
                throw HTTPError(.badRequest, message: "\(field): needs \"pop\", the POP the reporting agent runs on")
            }
            for key in keys.sorted() where !named.contains(key) {
                throw HTTPError(.badRequest, message: "\(field).\(key): workload has no sample in this batch")
            }
        }
        let checkpoints = (decoded.checkpoints ?? [:]).mapValues(\.seconds)
        for (workload, time) in checkpoints.sorted(by: { $0.key < $1.key }) {
            if let violation = InputRules.liveTimestampViolation(time, nowSeconds: nowSeconds) {
                throw HTTPError(.badRequest, message: "checkpoints.\(workload): expected \(violation.expected), found \(violation.found)")
            }
        }
        var batch = SampleBatch(pop: decoded.pop, samples: decoded.samples.map(\.sample),
                                allocations: (decoded.allocations ?? [:]).mapValues(\.values), checkpoints: checkpoints, traces: traces)
        batch.liveMigratable = Set(decoded.liveMigratable ?? [])
        return batch
    }

    package static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            .replacingOccurrences(of: ".[", with: "[")
    }

    package static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int64.Type: "Unix seconds (an integer)"
        case is Double.Type: "a number ≥ 0"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }
}
