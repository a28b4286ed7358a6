import Forecast
import Foundation
import Store

/// A `ResourceVector` as JSON: an object keyed by `Resource.snakeCaseName`
/// (`{"cpu_cores": 2, "memory_bytes": 4294967296}`), SI units as in the names.
///
/// JSON has no NaN, so an absent resource (NaN: "not measured", "no limit",
/// "unconstrained" depending on the vector) is an absent key, and decodes back to NaN.
package struct ResourceAmounts: Sendable, Equatable, Codable {
    package var vector: ResourceVector

    package init(_ vector: ResourceVector) { self.vector = vector }

    private struct Key: CodingKey {
        package var stringValue: String
        package var intValue: Int? { nil }
        package init(stringValue: String) { self.stringValue = stringValue }
        package init?(intValue: Int) { nil }
    }

    /// Accepts the keys as written (`cpu_cores`) and as a decoder's
    /// `convertFromSnakeCase` presents them (`cpuCores`); unknown keys are an error.
    package init(from decoder: any Decoder) throws {
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

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for resource in Resource.allCases where vector[resource].isFinite {
            try container.encode(vector[resource], forKey: Key(stringValue: resource.snakeCaseName))
        }
    }
}
