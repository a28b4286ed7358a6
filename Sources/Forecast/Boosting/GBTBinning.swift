/// Per-feature bin edges for histogram splits, and the binned (byte) form of a feature matrix.
///
/// Feature j has strictly increasing edges e₀ < e₁ < … < e_{B−2} (B ≤ `maximumBins` value
/// bins); a value x falls in bin b = #{k : e_k < x}, so bin b holds (e_{b−1}, e_b] and
/// "bin ≤ b" is exactly "x ≤ e_b" — which is why a tree stores the edge as its threshold
/// and scores raw values with no binning. NaN falls in bin `nanBin` (255), past every value bin.
///
/// Edges from the training values v (NaN dropped, sorted ascending, m of them, with D
/// distinct values u₁ < … < u_D):
/// * D ≤ B: an edge between every pair of neighbouring distinct values, mid(u_k, u_{k+1});
///   every distinct value has its own bin.
/// * D > B: target positions p_i = ⌊i·m / B⌋, i = 1 … B−1 (equal-count quantiles); for each,
///   a = v[p_i − 1] and the edge mid(a, next) where next is the smallest value > a; targets
///   whose a is the largest value give none, and equal edges are kept once. A value with a
///   large mass (many zeros) so takes the place of several bins instead of being cut.
///
/// mid(a, b) = 0.5·a + 0.5·b, or a when rounding makes it b (neighbouring doubles): an edge
/// is always in [a, b), so a goes to the lower bin and b to the upper one.
/// A feature with one distinct value (or only NaN) has no edges: one value bin, no split.
public struct GBTBinning: Sendable, Equatable {
    /// `edges[j]`: feature j's edges, strictly increasing, at most `maximumBins − 1`.
    public let edges: [[Double]]

    /// The bin of NaN (missing) values in every feature.
    public static let nanBin: UInt8 = 255

    public init(edges: [[Double]]) { self.edges = edges }

    /// Number of value bins of feature j (edges + 1); NaN is extra.
    public func valueBinCount(_ j: Int) -> Int { edges[j].count + 1 }

    /// The edges of one feature from its training values (NaN and ±∞ already removed).
    /// - Parameter values: the values; sorted in place.
    static func edges(sorting values: inout [Double], maximumBins: Int) -> [Double] {
        values.sort()
        let m = values.count
        guard m > 1 else { return [] }
        var distinct = 1
        for k in 1..<m where values[k] != values[k - 1] { distinct += 1 }
        var edges: [Double] = []
        if distinct <= maximumBins {
            edges.reserveCapacity(distinct - 1)
            for k in 1..<m where values[k] != values[k - 1] {
                edges.append(midpoint(values[k - 1], values[k]))
            }
            return edges
        }
        edges.reserveCapacity(maximumBins - 1)
        for i in 1..<maximumBins {
            let position = i * m / maximumBins
            guard position >= 1 else { continue }
            let a = values[position - 1]
            let next = upperBound(values, a)
            guard next < m else { continue }
            let edge = midpoint(a, values[next])
            if edges.last.map({ $0 < edge }) ?? true { edges.append(edge) }
        }
        return edges
    }

    /// mid(a, b) for a < b, in [a, b).
    @inline(__always)
    static func midpoint(_ a: Double, _ b: Double) -> Double {
        let m = 0.5 * a + 0.5 * b
        return m >= a && m < b ? m : a
    }

    /// First index k with values[k] > x (values sorted ascending).
    static func upperBound(_ values: [Double], _ x: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= x { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The bin of x in feature j: #{edges < x}, or `nanBin` for NaN.
    @inline(__always)
    public func bin(_ x: Double, feature j: Int) -> UInt8 {
        if x.isNaN { return Self.nanBin }
        return edges[j].withUnsafeBufferPointer { Self.bin(x, edges: $0) }
    }

    @inline(__always)
    static func bin(_ x: Double, edges: UnsafeBufferPointer<Double>) -> UInt8 {
        var low = 0, high = edges.count
        while low < high {
            let mid = (low + high) >> 1
            if edges[mid] < x { low = mid + 1 } else { high = mid }
        }
        return UInt8(truncatingIfNeeded: low)
    }
}
