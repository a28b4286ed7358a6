import Forecast
import GRDB

/// Conversion between a `ResourceVector` and six nullable REAL columns named
/// `prefix + Resource.snakeCaseName` (NaN ↔ NULL).
enum ResourceColumns {
    static func decode(_ row: Row, prefix: String) -> ResourceVector {
        var vector = ResourceVector.absent
        for resource in Resource.allCases {
            let value: Double? = row[prefix + resource.snakeCaseName]
            vector[resource] = value ?? .nan
        }
        return vector
    }

    static func encode(_ vector: ResourceVector, prefix: String, into container: inout PersistenceContainer) {
        for resource in Resource.allCases {
            let value = vector[resource]
            container[prefix + resource.snakeCaseName] = value.isNaN ? nil : value
        }
    }
}
