import Forecast

/// A `ResourceVector` as JSON: an object keyed by `Resource.snakeCaseName`
/// (`{"cpu_cores": 2, "memory_bytes": 4294967296}`), SI units as in the names.
///
/// JSON has no NaN, so an absent resource (NaN: "not measured", "no limit",
/// "unconstrained" depending on the vector) is an absent key, and decodes back to NaN.
struct ResourceAmounts: Sendable, Equatable, Codable {
    var vector: ResourceVector

    init(_ vector: ResourceVector) { self.vector = vector }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var vector = ResourceVector.absent
        for resource in Resource.allCases {
            vector[resource] = try container.decodeIfPresent(Double.self, forKey: Key(stringValue: resource.snakeCaseName)) ?? .nan
        }
        self.vector = vector
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for resource in Resource.allCases where vector[resource].isFinite {
            try container.encode(vector[resource], forKey: Key(stringValue: resource.snakeCaseName))
        }
    }
}
