import Foundation
import Store

/// The Kubernetes VPA recommender's histogram, rebuilt from its source
/// (kubernetes/autoscaler, `vertical-pod-autoscaler/pkg/recommender/util/histogram.go`,
/// `histogram_options.go`, `decaying_histogram.go`):
///
/// - **Buckets** grow exponentially: bucket 0 is [0, s), bucket n starts at
///   `s · (rⁿ − 1)/(r − 1)`, with `numBuckets = ⌈log_r(max·(r − 1)/s + 1)⌉ + 1`; a value
///   falls in `⌊log_r(v·(r − 1)/s + 1)⌋` (clamped to the last bucket).
/// - **Weights decay** with a half-life: a sample at time t is added with
///   `weight · 2^((t − ref)/halfLife)`, so newer samples count more; `ref` is a multiple of
///   the half-life, moved forward (all weights rescaled by the same power of two) when the
///   exponent would exceed 100.
/// - **Percentile p**: walking buckets from the first non-empty one, the first whose
///   cumulative weight reaches `p · total` answers with its *end* (the start of the next
///   bucket; the last bucket answers with its start). Empty → 0.
/// - A bucket whose weight is below `epsilon` counts as empty; subtraction clamps below
///   `epsilon` to 0.
package struct DecayingHistogram: Sendable, Equatable {
    package let firstBucketSize: Double
    package let ratio: Double
    package let epsilon: Double
    package let halfLifeSeconds: Double
    package let numBuckets: Int
    package private(set) var weights: [Double]
    package private(set) var totalWeight = 0.0
    private var minBucket: Int
    private var maxBucket = 0
    /// Unix seconds, a multiple of the half-life; nil before the first sample.
    package private(set) var referenceTime: Double?

    /// The most a decay exponent may grow before the reference moves (the VPA's `maxDecayExponent`).
    static let maxDecayExponent = 100.0

    /// - Precondition (programmer error, fixed configurations only): `maxValue`, `firstBucketSize`,
    ///   `epsilon`, `halfLifeSeconds` > 0 and `ratio` > 1.
    package init(maxValue: Double, firstBucketSize: Double, ratio: Double, epsilon: Double, halfLifeSeconds: Double) {
        precondition(maxValue > 0 && firstBucketSize > 0 && ratio > 1 && epsilon > 0 && halfLifeSeconds > 0, "DecayingHistogram: invalid options")
        self.firstBucketSize = firstBucketSize
        self.ratio = ratio
        self.epsilon = epsilon
        self.halfLifeSeconds = halfLifeSeconds
        numBuckets = Int((log(maxValue * (ratio - 1) / firstBucketSize + 1) / log(ratio)).rounded(.up)) + 1
        weights = [Double](repeating: 0, count: numBuckets)
        minBucket = numBuckets - 1
    }

    /// The bucket of `value` (negative and NaN values fall in bucket 0).
    package func bucket(of value: Double) -> Int {
        guard value >= firstBucketSize else { return 0 }
        let b = log(value * (ratio - 1) / firstBucketSize + 1) / log(ratio)
        guard b.isFinite, b < Double(numBuckets - 1) else { return numBuckets - 1 }
        return Int(b)
    }

    /// Where bucket `index` starts (0 for bucket 0).
    package func bucketStart(_ index: Int) -> Double {
        index <= 0 ? 0 : firstBucketSize * (pow(ratio, Double(index)) - 1) / (ratio - 1)
    }

    package var isEmpty: Bool { weights[minBucket] < epsilon }

    /// Adds `value` with `weight` (≥ 0; a negative or non-finite one is ignored) at `time` (Unix seconds).
    package mutating func add(_ value: Double, weight: Double, at time: Double) {
        guard weight >= 0, weight.isFinite, time.isFinite else { return }
        let w = weight * decayFactor(at: time)
        let b = bucket(of: value)
        weights[b] += w
        totalWeight += w
        if b < minBucket && weights[b] >= epsilon { minBucket = b }
        if b > maxBucket && weights[b] >= epsilon { maxBucket = b }
    }

    /// Removes a sample added before with the same value, weight and time.
    package mutating func subtract(_ value: Double, weight: Double, at time: Double) {
        guard weight >= 0, weight.isFinite, time.isFinite else { return }
        let w = weight * decayFactor(at: time)
        let b = bucket(of: value)
        totalWeight = Self.safeSubtract(totalWeight, w, epsilon)
        weights[b] = Self.safeSubtract(weights[b], w, epsilon)
        updateMinAndMax()
    }

    /// The `p`-th percentile (0…1), as the VPA answers it.
    package func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        var partial = 0.0
        let threshold = p * totalWeight
        var b = minBucket
        while b < maxBucket {
            partial += weights[b]
            if partial >= threshold { break }
            b += 1
        }
        return b < numBuckets - 1 ? bucketStart(b + 1) : bucketStart(b)
    }

    private mutating func decayFactor(at time: Double) -> Double {
        let reference: Double
        if let current = referenceTime, time <= current + halfLifeSeconds * Self.maxDecayExponent {
            reference = current
        } else {
            reference = shiftReference(to: time)
        }
        return exp2((time - reference) / halfLifeSeconds)
    }

    /// Moves the reference to `time` rounded to a multiple of the half-life, rescaling every weight.
    private mutating func shiftReference(to time: Double) -> Double {
        let new = (time / halfLifeSeconds).rounded(.toNearestOrAwayFromZero) * halfLifeSeconds
        if let old = referenceTime {
            let exponent = ((old - new) / halfLifeSeconds).rounded(.down)
            let factor = exp2(exponent)
            for b in minBucket...max(minBucket, maxBucket) { weights[b] *= factor }
            totalWeight *= factor
            updateMinAndMax()
        }
        referenceTime = new
        return new
    }

    private mutating func updateMinAndMax() {
        while weights[minBucket] < epsilon && minBucket < numBuckets - 1 { minBucket += 1 }
        while weights[maxBucket] < epsilon && maxBucket > 0 { maxBucket -= 1 }
    }

    private static func safeSubtract(_ value: Double, _ sub: Double, _ epsilon: Double) -> Double {
        let v = value - sub
        return v < epsilon ? 0 : v
    }
}
