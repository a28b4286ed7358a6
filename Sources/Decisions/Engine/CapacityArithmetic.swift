import Forecast
import Store

/// Resource-vector arithmetic with the fleet's NaN conventions: in an allocation NaN
/// means "nothing allocated" (0); in a capacity or a free vector it means "unconstrained"
/// (∞).
package enum CapacityArithmetic {
    /// Every resource 0.
    package static let zero = ResourceVector([Double](repeating: 0, count: Resource.count))

    /// `a + b` per resource, NaN allocations as 0.
    package static func adding(_ a: ResourceVector, _ b: ResourceVector) -> ResourceVector {
        var sum = a
        for r in Resource.allCases { sum[r] = zeroIfNaN(a[r]) + zeroIfNaN(b[r]) }
        return sum
    }

    /// Per-resource maximum, NaN allocations as 0: the footprint of one workload that
    /// holds `a` and has reserved `b` on the same POP.
    package static func maximum(_ a: ResourceVector, _ b: ResourceVector) -> ResourceVector {
        var result = a
        for r in Resource.allCases { result[r] = Swift.max(zeroIfNaN(a[r]), zeroIfNaN(b[r])) }
        return result
    }

    /// `capacity − used` per resource; NaN (unconstrained) where the capacity is NaN.
    /// May be negative when a POP is over-committed.
    package static func free(capacity: ResourceVector, used: ResourceVector) -> ResourceVector {
        var result = capacity
        for r in Resource.allCases where !capacity[r].isNaN { result[r] = capacity[r] - zeroIfNaN(used[r]) }
        return result
    }

    /// `vector / parts` per resource (NaN stays NaN).
    package static func divided(_ vector: ResourceVector, by parts: Int) -> ResourceVector {
        var result = vector
        for r in Resource.allCases { result[r] = vector[r] / Double(parts) }
        return result
    }

    /// The resources of `required` that do not fit in `free`, as readable rejections
    /// ("memory_bytes: needs 8e+09, free 4e+09"); empty when everything fits. NaN in
    /// either (nothing required, unconstrained) always fits; a relative tolerance of
    /// 1e-9 absorbs rounding in sums.
    package static func shortfalls(required: ResourceVector, free: ResourceVector) -> [String] {
        Resource.allCases.compactMap { r in
            let need = required[r], have = free[r]
            guard !need.isNaN, !have.isNaN, need > have + 1e-9 * Swift.max(1, abs(have)) else { return nil }
            return "\(r.snakeCaseName): needs \(need), free \(have)"
        }
    }

    /// True when `allocation` is at least `required` in every resource `required` has.
    package static func covers(_ allocation: ResourceVector, _ required: ResourceVector) -> Bool {
        Resource.allCases.allSatisfy { r in required[r].isNaN || (!allocation[r].isNaN && allocation[r] >= required[r]) }
    }

    private static func zeroIfNaN(_ x: Double) -> Double { x.isNaN ? 0 : x }
}
