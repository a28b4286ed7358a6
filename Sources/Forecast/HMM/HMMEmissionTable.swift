import Foundation

/// Per-state emission constants of a fitted model, precomputed once so that scoring a step
/// costs O(K·(D + 1)) multiply-adds and no logarithms.
///
/// log b_k(s, x) = log B[k, s] + Σ_{d observed} (−½·log(2πσ²_kd) − (x_d − μ_kd)²/(2σ²_kd)).
/// A NaN coordinate or the symbol −1 (or `nil` symbol) is missing and contributes 0.
struct HMMEmissionTable: Sendable, Equatable {
    let states: Int
    let symbolCount: Int
    let dimension: Int
    /// K × M, log B (−∞ for a zero probability).
    let logSymbolProbabilities: [Double]
    /// K × D.
    let means: [Double]
    /// K × D, −1/(2σ²).
    let negativeHalfPrecisions: [Double]
    /// K × D, −½·log(2πσ²).
    let logNormalisers: [Double]

    init(_ p: HMMParameters) {
        states = p.states
        symbolCount = p.emission.symbolCount
        dimension = p.emission.dimension
        logSymbolProbabilities = p.symbolElements.map { log($0) }
        means = p.meanElements
        let variances = p.varianceElements
        negativeHalfPrecisions = variances.map { -0.5 / $0 }
        logNormalisers = variances.map { -0.5 * (log(2 * Double.pi) + log($0)) }
    }

    /// Writes log b_k(symbol, values) for every k into `out` (K slots).
    ///
    /// - Parameters:
    ///   - symbol: in `0..<M`, or negative for missing (ignored when M = 0).
    ///   - values: D values (NaN = missing), or nil when D = 0.
    @inline(__always)
    func logDensities(symbol: Int, values: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
        logSymbolProbabilities.withUnsafeBufferPointer { logB in
            means.withUnsafeBufferPointer { mu in
                negativeHalfPrecisions.withUnsafeBufferPointer { nh in
                    logNormalisers.withUnsafeBufferPointer { ln in
                        for k in 0..<states {
                            var s = 0.0
                            if let values {
                                let row = k * dimension
                                for e in 0..<dimension {
                                    let v = values[e]
                                    if v.isNaN { continue }
                                    let diff = v - mu[row + e]
                                    s += ln[row + e] + diff * diff * nh[row + e]
                                }
                            }
                            if symbolCount > 0 && symbol >= 0 { s += logB[k * symbolCount + symbol] }
                            out[k] = s
                        }
                    }
                }
            }
        }
    }
}
