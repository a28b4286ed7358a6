import Foundation

/// The deterministic regressors x_t of a regression with ARIMA errors, y_t = x_tᵀβ + u_t
/// (see `ARIMASpec`), as a function of the step t (t = 0 is the first training sample).
///
/// Columns, in this order:
/// 1. the constant term, if any: an intercept (x = 1, for d = 0) or a drift (x = t, for
///    d = 1; after one difference it is a constant, so β is the mean step-to-step change);
/// 2. K Fourier pairs, k = 1…K: sin(2πk·s_t/P), cos(2πk·s_t/P), with the seasonal phase
///    s_t = (startStep + t) mod P. `startStep` is the index of y[0] within the cycle,
///    e.g. (timestamp / interval) mod P, so the terms stay aligned to the time of day
///    across refits and online updates.
///
/// The phase is reduced modulo P in integers before the angle is formed, so x_t is as
/// accurate for t = 10⁹ as for t = 0.
public struct ARIMARegressors: Sendable, Hashable, Codable {
    /// The constant column.
    public enum Constant: String, Sendable, Hashable, Codable {
        case none
        /// x = 1 (the mean of a stationary model, d = 0).
        case intercept
        /// x = t (the slope of the level, d = 1).
        case drift
    }

    public let constant: Constant
    /// Seasonal period P in steps (≥ 3), or nil without Fourier terms.
    public let fourierPeriod: Int?
    /// Number of Fourier pairs K (0 without a period).
    public let fourierPairs: Int
    /// Phase of step 0 within the period, in 0..<P (0 without a period).
    public let startStep: Int

    /// - Precondition: `fourierPairs == 0` or a period ≥ 3 with 2K < P (checked earlier by
    ///   `ARIMASpec.validate`).
    public init(constant: Constant, fourierPeriod: Int?, fourierPairs: Int, startStep: Int) {
        let pairs = fourierPeriod == nil ? 0 : fourierPairs
        if let period = fourierPeriod {
            precondition(period >= 3 && pairs >= 0 && 2 * pairs < period,
                         "ARIMARegressors: \(pairs) Fourier pairs for period \(period); need 0 ≤ 2K < P")
        }
        self.constant = constant
        self.fourierPeriod = pairs == 0 ? nil : fourierPeriod
        self.fourierPairs = pairs
        if let period = fourierPeriod, pairs > 0 {
            self.startStep = ((startStep % period) + period) % period
        } else {
            self.startStep = 0
        }
    }

    /// Regressors of no kind: a pure ARIMA.
    public static let none = ARIMARegressors(constant: .none, fourierPeriod: nil, fourierPairs: 0, startStep: 0)

    /// Number of columns k = [constant] + 2K.
    public var count: Int { (constant == .none ? 0 : 1) + 2 * fourierPairs }

    /// Column names: "intercept" or "drift", then "sin1", "cos1", "sin2", …
    public var names: [String] {
        var result: [String] = []
        if constant != .none { result.append(constant.rawValue) }
        for k in 0..<fourierPairs { result += ["sin\(k + 1)", "cos\(k + 1)"] }
        return result
    }

    /// x_t, `count` values.
    public func row(step t: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fill(step: t, into: $0.baseAddress!) }
        return out
    }

    /// Writes x_t into `out[0..<count]`.
    func fill(step t: Int, into out: UnsafeMutablePointer<Double>) {
        var column = 0
        switch constant {
        case .none: break
        case .intercept: out[0] = 1; column = 1
        case .drift: out[0] = Double(t); column = 1
        }
        guard let period = fourierPeriod else { return }
        let phase = (((startStep + t) % period) + period) % period
        for k in 1...fourierPairs {
            let angle = 2 * Double.pi * Double((k * phase) % period) / Double(period)
            out[column] = sin(angle)
            out[column + 1] = cos(angle)
            column += 2
        }
    }

    /// xᵀβ at step t.
    func mean(step t: Int, coefficients beta: [Double]) -> Double {
        guard !beta.isEmpty else { return 0 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: count) { buffer in
            fill(step: t, into: buffer.baseAddress!)
            var sum = 0.0
            for j in 0..<count { sum += buffer[j] * beta[j] }
            return sum
        }
    }
}
