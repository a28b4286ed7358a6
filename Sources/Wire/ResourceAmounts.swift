import Resources

/// A `ResourceVector` as JSON: an object keyed by `Resource.snakeCaseName`
/// (`{"cpu_cores": 2, "memory_bytes": 4294967296}`), SI units as in the names.
///
/// JSON has no NaN, so an absent resource (NaN: "not measured", "no limit",
/// "unconstrained" depending on the vector) is an absent key, and decodes back to NaN.
public struct ResourceAmounts: Sendable, Equatable, Codable {
    public var vector: ResourceVector

    public init(_ vector: ResourceVector) { self.vector = vector }

    static let byNormalizedName: [String: Resource] = Dictionary(uniqueKeysWithValues: Resource.allCases.map {
        (normalize($0.snakeCaseName), $0)
    })

    static func normalize(_ key: String) -> String { key.replacingOccurrences(of: "_", with: "").lowercased() }

    /// Accepts the keys as written (`cpu_cores`) and as a decoder's
    /// `convertFromSnakeCase` presents them (`cpuCores`); unknown keys are an error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKey.self)
        var vector = ResourceVector.absent
        for key in container.allKeys {
            guard let resource = Self.byNormalizedName[Self.normalize(key.stringValue)] else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription:
                    "unknown resource \(key.stringValue); expected one of \(Resource.allCases.map(\.snakeCaseName).joined(separator: ", "))")
            }
            vector[resource] = try container.decode(Double.self, forKey: key)
        }
        self.vector = vector
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        for resource in Resource.allCases where vector[resource].isFinite {
            try container.encode(vector[resource], forKey: WireKey(resource.snakeCaseName))
        }
    }
}
