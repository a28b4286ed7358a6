import Forecast
import Foundation

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

    /// Accepts the keys as written (`cpu_cores`) and as a decoder's
    /// `convertFromSnakeCase` presents them (`cpuCores`); unknown keys are an error.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let normalize = { (key: String) in key.replacingOccurrences(of: "_", with: "").lowercased() }
        var byKey: [String: Resource] = [:]
        for resource in Resource.allCases { byKey[normalize(resource.snakeCaseName)] = resource }
        var vector = ResourceVector.absent
        for key in container.allKeys {
            guard let resource = byKey[normalize(key.stringValue)] else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription:
                    "unknown resource \(key.stringValue); expected one of \(Resource.allCases.map(\.snakeCaseName).joined(separator: ", "))")
            }
            vector[resource] = try container.decode(Double.self, forKey: key)
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
