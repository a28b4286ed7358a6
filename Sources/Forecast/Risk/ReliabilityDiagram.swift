import Foundation

/// How well predicted probabilities match outcome frequencies, from (predicted p_i,
/// outcome y_i ∈ {0, 1}) pairs, i = 1…n.
///
/// * Bins: `binCount` equal-width bins over [0, 1]; p goes to bin min(⌊p · B⌋, B − 1), so
///   bin b is [b/B, (b+1)/B) and the last bin also holds p = 1. Per bin: count, mean
///   predicted, observed frequency (both nil for an empty bin).
/// * Brier score = (1/n) Σ (p_i − y_i)².
/// * Log loss = −(1/n) Σ [y_i log p̃_i + (1 − y_i) log(1 − p̃_i)], p̃ = clip(p, 1e-15, 1 − 1e-15)
///   (the clip keeps a confident miss finite: it costs at most −log 1e-15 ≈ 34.5).
/// * ECE = Σ_b (n_b / n) |mean predicted_b − observed_b| (count-weighted, empty bins skip).
/// * Base rate ȳ = (1/n) Σ y_i and its Brier score ȳ (1 − ȳ): the score of always
///   predicting the base rate, the reference a useful forecast must beat.
///
/// Predictions must lie in [0, 1]; at least one pair is needed.
public struct ReliabilityDiagram: Sendable, Codable, Equatable {
    /// One bin [lowerBound, upperBound).
    public struct Bin: Sendable, Codable, Equatable {
        public let lowerBound: Double
        public let upperBound: Double
        public let count: Int
        /// Mean predicted probability in the bin; nil when empty.
        public let meanPredicted: Double?
        /// Fraction of the bin's pairs whose outcome was true; nil when empty.
        public let observedFrequency: Double?
    }

    public let bins: [Bin]
    /// Number of pairs n.
    public let count: Int
    public let brierScore: Double
    public let logLoss: Double
    public let expectedCalibrationError: Double
    /// ȳ, the fraction of true outcomes.
    public let baseRate: Double
    /// ȳ (1 − ȳ), the Brier score of always predicting the base rate.
    public let baseRateBrierScore: Double

    /// Clip for the log loss (see the type's documentation).
    public static let logLossClip = 1e-15

    /// - Throws: `RiskError.noPredictions` for no pairs, `.invalidPrediction` for a
    ///   prediction outside [0, 1] or NaN.
    /// - Precondition: `predicted.count == outcomes.count`, `binCount ≥ 1`.
    public init(predicted: [Double], outcomes: [Bool], binCount: Int = 10) throws(RiskError) {
        precondition(predicted.count == outcomes.count, "\(predicted.count) predictions for \(outcomes.count) outcomes")
        precondition(binCount >= 1, "a reliability diagram needs at least one bin")
        guard !predicted.isEmpty else { throw .noPredictions }
        var counts = [Int](repeating: 0, count: binCount)
        var predictedSums = [Double](repeating: 0, count: binCount)
        var positives = [Int](repeating: 0, count: binCount)
        var brier = 0.0, logLoss = 0.0, totalPositives = 0
        for (i, p) in predicted.enumerated() {
            guard p >= 0, p <= 1 else { throw .invalidPrediction(index: i, value: p) }
            let y = outcomes[i] ? 1.0 : 0.0
            let b = min(Int(p * Double(binCount)), binCount - 1)
            counts[b] += 1
            predictedSums[b] += p
            if outcomes[i] { positives[b] += 1; totalPositives += 1 }
            brier += (p - y) * (p - y)
            let clipped = min(max(p, Self.logLossClip), 1 - Self.logLossClip)
            logLoss -= outcomes[i] ? log(clipped) : log1p(-clipped)
        }
        let n = Double(predicted.count)
        var ece = 0.0
        var bins: [Bin] = []
        for b in 0..<binCount {
            let lower = Double(b) / Double(binCount), upper = Double(b + 1) / Double(binCount)
            guard counts[b] > 0 else {
                bins.append(Bin(lowerBound: lower, upperBound: upper, count: 0, meanPredicted: nil, observedFrequency: nil))
                continue
            }
            let mean = predictedSums[b] / Double(counts[b])
            let observed = Double(positives[b]) / Double(counts[b])
            ece += Double(counts[b]) / n * abs(mean - observed)
            bins.append(Bin(lowerBound: lower, upperBound: upper, count: counts[b], meanPredicted: mean, observedFrequency: observed))
        }
        self.bins = bins
        self.count = predicted.count
        self.brierScore = brier / n
        self.logLoss = logLoss / n
        self.expectedCalibrationError = ece
        self.baseRate = Double(totalPositives) / n
        self.baseRateBrierScore = baseRate * (1 - baseRate)
    }
}
