/// The risk of one workload at one tick, from its quantile forecast and its allocation
/// (see `RiskEstimator` for the formulas).
///
/// It doubles as the estimator's reusable workspace: `RiskEstimator.assess(forecast:
/// allocation:into:)` overwrites a value made once by `init(horizonSteps:)` in place, so
/// a scorer that keeps one per workload does not allocate per tick.
public struct RiskAssessment: Sendable, Equatable {
    /// Forecast steps H.
    public let horizonSteps: Int
    /// p_{r,k} = P(X_{r,k} > allocation_r) as normal scores (`QuantileExceedance.score`,
    /// p = Φ(−score)): row-major, `Resource.count` rows × `horizonSteps`
    /// (`stepScores[r * horizonSteps + k]`, k = 0 is step 1). +∞ (p = 0) for an unconstrained
    /// resource; NaN where the resource has no forecast at that step. Read probabilities with
    /// `stepExceedance(_:step:)`; the scores are kept so that a tick evaluates Φ only for
    /// the maxima it needs.
    public internal(set) var stepScores: [Double]
    /// P_r = max_k p_{r,k} over the steps with a forecast, one per `Resource`; NaN for a
    /// resource with no forecast at any step.
    public internal(set) var horizonExceedance: [Double]
    /// F_k, k = 1…H (index k − 1): the running maximum over steps ≤ k of max_r p_{r,k} — a
    /// lower bound on P(first breach at or before step k). NaN-free; 0 when nothing is at risk.
    public internal(set) var breachByStep: [Double]
    /// 1 − Π_r (1 − P_r) over the resources with a forecast; 0 when nothing is constrained.
    public internal(set) var rawRisk: Double
    /// argmax_r P_r (lowest index on ties); nil when `rawRisk` is 0.
    public internal(set) var resourceAtRisk: Resource?
    /// E[T | T ≤ H] in steps (1…H), T the first breached step; nil when F_H = 0.
    /// Multiply by the step length to get seconds.
    public internal(set) var expectedStepsToBreach: Double?

    /// An empty assessment (no risk) with storage for `horizonSteps` steps.
    /// - Precondition: `horizonSteps ≥ 1`.
    public init(horizonSteps: Int) {
        precondition(horizonSteps >= 1, "a risk assessment needs at least one step")
        self.horizonSteps = horizonSteps
        stepScores = [Double](repeating: .nan, count: Resource.count * horizonSteps)
        horizonExceedance = [Double](repeating: .nan, count: Resource.count)
        breachByStep = [Double](repeating: 0, count: horizonSteps)
        rawRisk = 0
        resourceAtRisk = nil
        expectedStepsToBreach = nil
    }

    /// P_r for one resource (NaN when it has no forecast).
    public func horizonExceedance(_ resource: Resource) -> Double { horizonExceedance[resource.rawValue] }

    /// p_{r,k} for one resource and step k in 1…H.
    public func stepExceedance(_ resource: Resource, step: Int) -> Double {
        precondition(step >= 1 && step <= horizonSteps, "step \(step) outside 1…\(horizonSteps)")
        return QuantileExceedance.probability(score: stepScores[resource.rawValue * horizonSteps + step - 1])
    }

    /// NaN-aware equality (two absent values are equal), for tests and change detection.
    public static func == (lhs: RiskAssessment, rhs: RiskAssessment) -> Bool {
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 }
        }
        return lhs.horizonSteps == rhs.horizonSteps && lhs.rawRisk == rhs.rawRisk
            && lhs.resourceAtRisk == rhs.resourceAtRisk && lhs.expectedStepsToBreach == rhs.expectedStepsToBreach
            && same(lhs.stepScores, rhs.stepScores) && same(lhs.horizonExceedance, rhs.horizonExceedance)
            && same(lhs.breachByStep, rhs.breachByStep)
    }
}
