import Foundation

/// A small regularised logistic regression: p = σ(b₀ + Σ_j b_j x_j), fitted by
/// Newton–Raphson on
///
///     L(b) = −Σ_i [y_i log p_i + (1 − y_i) log(1 − p_i)] + ½ λ Σ_{j≥1} b_j²
///
/// (no penalty on the intercept): gradient g = Σ (p_i − y_i) x̃_i + λ (0, b₁…b_d), Hessian
/// H = Σ p_i (1 − p_i) x̃_i x̃_iᵀ + λ diag(0, 1…1), x̃ = (1, x), step H⁻¹g by Cholesky,
/// halved (up to 30 times) until L does not increase; stops when every step component is
/// ≤ 1e-10 · max(1, |b_j|) or the Newton decrement gᵀH⁻¹g is ≤ 1e-12 · max(1, L).
/// Start: b₀ = logit(base rate), slopes 0. For a handful of features (Platt scaling of a
/// score, the "simple learned" baseline over three plain signals).
public struct LogisticRegression: Sendable, Codable, Equatable {
    /// b₀ then one slope per feature.
    public let coefficients: [Double]

    public init(coefficients: [Double]) { self.coefficients = coefficients }

    /// Number of features.
    public var featureCount: Int { coefficients.count - 1 }

    /// σ(b₀ + Σ b_j x_j); a NaN feature counts as 0 (its term drops out).
    public func probability(_ x: UnsafeBufferPointer<Double>) -> Double {
        var z = coefficients[0]
        for j in 0..<min(featureCount, x.count) where !x[j].isNaN { z += coefficients[j + 1] * x[j] }
        return Self.sigmoid(z)
    }

    public func probability(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { probability($0) } }

    public static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : { let e = exp(z); return e / (1 + e) }()
    }

    public enum FitError: Error, Equatable, CustomStringConvertible {
        case empty
        case shape(rows: Int, featureCount: Int, values: Int)
        case nonFinite(row: Int, feature: Int)
        case oneClass(positives: Int, rows: Int)
        case singular
        case didNotConverge(iterations: Int)

        public var description: String {
            switch self {
            case .empty: "logistic regression: no rows to fit"
            case .shape(let rows, let d, let values): "logistic regression: \(values) values are not \(rows) rows × \(d) features"
            case .nonFinite(let row, let feature): "logistic regression: row \(row), feature \(feature) is not finite"
            case .oneClass(let positives, let rows): "logistic regression: \(positives) positive(s) in \(rows) rows; both classes are needed"
            case .singular: "logistic regression: the Hessian is singular (a constant feature with ridge 0?)"
            case .didNotConverge(let n): "logistic regression: no convergence in \(n) Newton iterations"
            }
        }
    }

    /// Fits on `features` (row-major, rows × `featureCount`, finite) and `labels`.
    /// - Parameter ridge: λ ≥ 0 on the slopes.
    public static func fit(features: [Double], featureCount d: Int, labels: [Bool], ridge: Double = 1e-6,
                           maximumIterations: Int = 100) throws(FitError) -> LogisticRegression {
        let n = labels.count
        guard n > 0 else { throw .empty }
        guard d >= 0, features.count == n * d else { throw .shape(rows: n, featureCount: d, values: features.count) }
        for i in 0..<n { for j in 0..<d where !features[i * d + j].isFinite { throw .nonFinite(row: i, feature: j) } }
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard positives > 0, positives < n else { throw .oneClass(positives: positives, rows: n) }
        let k = d + 1
        var b = [Double](repeating: 0, count: k)
        let rate = Double(positives) / Double(n)
        b[0] = log(rate / (1 - rate))
        func loss(_ b: [Double]) -> Double {
            var total = 0.0
            for i in 0..<n {
                var z = b[0]
                for j in 0..<d { z += b[j + 1] * features[i * d + j] }
                // −log σ(z) = log(1 + e^{−z}), −log(1 − σ(z)) = log(1 + e^{z}), computed stably.
                total += labels[i] ? softplus(-z) : softplus(z)
            }
            for j in 1..<k { total += 0.5 * ridge * b[j] * b[j] }
            return total
        }
        var current = loss(b)
        for _ in 1...maximumIterations {
            var g = [Double](repeating: 0, count: k)
            var h = [Double](repeating: 0, count: k * k)
            var x = [Double](repeating: 1, count: k)
            for i in 0..<n {
                for j in 0..<d { x[j + 1] = features[i * d + j] }
                var z = 0.0
                for j in 0..<k { z += b[j] * x[j] }
                let p = sigmoid(z), r = p - (labels[i] ? 1 : 0), v = p * (1 - p)
                for a in 0..<k {
                    g[a] += r * x[a]
                    for c in a..<k { h[a * k + c] += v * x[a] * x[c] }
                }
            }
            for j in 1..<k { g[j] += ridge * b[j]; h[j * k + j] += ridge }
            for a in 0..<k { for c in 0..<a { h[a * k + c] = h[c * k + a] } }
            guard let step = solveCholesky(h, g, k) else { throw .singular }
            var decrement = 0.0
            for j in 0..<k { decrement += g[j] * step[j] }
            let small = (0..<k).allSatisfy { abs(step[$0]) <= 1e-10 * max(1, abs(b[$0])) }
            if small || decrement <= 1e-12 * max(1, current) {
                return LogisticRegression(coefficients: (0..<k).map { b[$0] - step[$0] })
            }
            var scale = 1.0
            var accepted = false
            for _ in 0...30 {
                let candidate = (0..<k).map { b[$0] - scale * step[$0] }
                let value = loss(candidate)
                if value <= current {
                    b = candidate
                    current = value
                    accepted = true
                    break
                }
                scale /= 2
            }
            if !accepted { return LogisticRegression(coefficients: b) }
        }
        throw .didNotConverge(iterations: maximumIterations)
    }

    static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

    /// Solves H s = g for symmetric positive definite H (k × k, row-major); nil when not positive definite.
    static func solveCholesky(_ h: [Double], _ g: [Double], _ k: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var s = h[i * k + j]
                for m in 0..<j { s -= l[i * k + m] * l[j * k + m] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * k + i] = s.squareRoot()
                } else {
                    l[i * k + j] = s / l[j * k + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: k)
        for i in 0..<k {
            var s = g[i]
            for m in 0..<i { s -= l[i * k + m] * y[m] }
            y[i] = s / l[i * k + i]
        }
        var x = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = y[i]
            for m in (i + 1)..<k { s -= l[m * k + i] * x[m] }
            x[i] = s / l[i * k + i]
        }
        return x
    }
}
