import Foundation

/// The profiled quantities of one likelihood or CSS evaluation.
struct ProfiledFit {
    /// Residual sum of squares at β̂ (of standardised innovations for the exact likelihood).
    var sumOfSquares: Double
    /// Σ log F_t over the observed steps (0 for CSS).
    var sumLogVariance: Double
    /// Number of terms in the sums.
    var observations: Int

    /// −log L / n with σ² and β profiled out, up to the constant ½(1 + log 2π):
    /// ½(log(S/n) + Σ log F_t / n) (R's `armafn`; for CSS Σ log F_t = 0).
    var objective: Double {
        guard observations > 0, sumOfSquares > 0 else { return .infinity }
        return 0.5 * (log(sumOfSquares / Double(observations)) + sumLogVariance / Double(observations))
    }

    /// The exact Gaussian log-likelihood at σ̂² = S/n:
    /// log L = −½ n (log 2π + 1 + log σ̂²) − ½ Σ log F_t.
    var logLikelihood: Double {
        let n = Double(observations)
        return -0.5 * n * (log(2 * Double.pi) + 1 + log(sumOfSquares / n)) - 0.5 * sumLogVariance
    }
}
