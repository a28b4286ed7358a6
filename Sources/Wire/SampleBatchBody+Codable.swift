import Foundation
import Resources

extension SampleBatchBody: Codable {
    /// The keys a body may have.
    public static let topLevelKeys: Set<String> = ["pop", "samples", "allocations", "checkpoints", "traces", "live_migratable"]
    static let resourcesByName = Dictionary(uniqueKeysWithValues: Resource.allCases.map { ($0.snakeCaseName, $0) })
    static var resourceNames: String { Resource.allCases.map(\.snakeCaseName).joined(separator: ", ") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKey.self)
        for key in container.allKeys where !Self.topLevelKeys.contains(key.stringValue) {
            throw WireError(field: key.stringValue,
                            "unknown key \"\(key.stringValue)\" at the top level; expected \"samples\" and optionally \"pop\", \"allocations\", \"checkpoints\", \"traces\", \"live_migratable\"")
        }
        guard container.contains(WireKey("samples")) else { throw WireError(field: "samples", "expected an object {\"samples\": [...]}") }
        pop = try container.decodeIfPresent(String.self, forKey: WireKey("pop"))
        samples = try container.decode([Sample].self, forKey: WireKey("samples"))
        allocations = try container.decodeIfPresent([String: Allocation].self, forKey: WireKey("allocations"))?.mapValues(\.values) ?? [:]
        checkpoints = try container.decodeIfPresent([String: Checkpoint].self, forKey: WireKey("checkpoints"))?.mapValues(\.seconds) ?? [:]
        traces = try container.decodeIfPresent([TraceEvent].self, forKey: WireKey("traces")) ?? []
        liveMigratable = Set(try container.decodeIfPresent([String].self, forKey: WireKey("live_migratable")) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encodeIfPresent(pop, forKey: WireKey("pop"))
        try container.encode(samples, forKey: WireKey("samples"))
        if !allocations.isEmpty { try container.encode(allocations.mapValues(ResourceAmounts.init), forKey: WireKey("allocations")) }
        if !checkpoints.isEmpty { try container.encode(checkpoints, forKey: WireKey("checkpoints")) }
        if !liveMigratable.isEmpty { try container.encode(liveMigratable.sorted(), forKey: WireKey("live_migratable")) }
        if !traces.isEmpty { try container.encode(traces, forKey: WireKey("traces")) }
    }

    /// One workload's checkpoint time, Unix seconds.
    struct Checkpoint: Decodable {
        var seconds: Int64
        init(from decoder: any Decoder) throws {
            do { seconds = try decoder.singleValueContainer().decode(Int64.self) } catch {
                let field = WirePath.text(decoder.codingPath)
                throw WireError(field: field, "\(field): expected \(WirePath.describe(Int64.self))")
            }
        }
    }

    /// One workload's allocation: resource names only, each a value `InputRules` accepts.
    struct Allocation: Decodable {
        var values: ResourceVector
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: WireKey.self)
            values = .absent
            func at() -> String { WirePath.text(decoder.codingPath) }
            for key in container.allKeys {
                guard let resource = SampleBatchBody.resourcesByName[key.stringValue] else {
                    throw WireError(field: "\(at()).\(key.stringValue)",
                                    "\(at()): unknown resource \"\(key.stringValue)\"; expected \(SampleBatchBody.resourceNames)")
                }
                let v = try container.decode(Double.self, forKey: key)
                if let violation = InputRules.valueViolation(v, resource: resource) {
                    throw WireError(field: "\(at()).\(key.stringValue)",
                                    "\(at()).\(key.stringValue): expected \(violation.expected), found \(violation.found)")
                }
                values[resource] = v
            }
        }
    }
}

extension SampleBatchBody.Sample: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKey.self)
        for key in container.allKeys where key.stringValue != "workload" && key.stringValue != "timestamp"
            && SampleBatchBody.resourcesByName[key.stringValue] == nil {
            let at = WirePath.text(decoder.codingPath)
            throw WireError(field: "\(at).\(key.stringValue)",
                            "\(at): unknown field \"\(key.stringValue)\"; expected workload, timestamp and resource names (\(SampleBatchBody.resourceNames))")
        }
        workload = try container.decode(String.self, forKey: WireKey("workload"))
        let timestampKey = WireKey("timestamp")
        // The path is built only for a message: this runs once per sample.
        func field() -> String { WirePath.text(decoder.codingPath + [timestampKey]) }
        guard container.contains(timestampKey) else { throw WireError(field: field(), "\(field()): missing") }
        do { timestamp = try container.decode(Int64.self, forKey: timestampKey) } catch {
            throw WireError(field: field(), "\(field()): expected \(WirePath.describe(Int64.self))")
        }
        values = .absent
        for resource in Resource.allCases {
            if let v = try container.decodeIfPresent(Double.self, forKey: WireKey(resource.snakeCaseName)) { values[resource] = v }
        }
    }

    /// Measured values only: JSON has no NaN.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encode(workload, forKey: WireKey("workload"))
        try container.encode(timestamp, forKey: WireKey("timestamp"))
        for resource in Resource.allCases where values[resource].isFinite {
            try container.encode(values[resource], forKey: WireKey(resource.snakeCaseName))
        }
    }
}
