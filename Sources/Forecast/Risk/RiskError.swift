/// Why a risk, calibration or reliability call refused its input. Every message says what
/// to do.
public enum RiskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Quantile levels must be non-empty, finite, strictly ascending and inside (0, 1).
    case invalidLevels([Double])
    /// The horizon must have at least one step.
    case invalidHorizon(steps: Int)
    /// A calibration hyperparameter is out of range (the message names it).
    case invalidSpec(String)
    /// Calibration sample `index` has a raw risk, heavy-phase probability or weight out of
    /// range (the message names which).
    case invalidSample(index: Int, reason: String)
    /// Newton–Raphson did not meet its convergence criterion (nearly separable data).
    case calibrationDidNotConverge(iterations: Int)
    /// The calibration's Hessian is not positive definite: with ridge 0, a feature is
    /// constant (or collinear with the intercept), so its coefficient is not identified.
    case singularFeatures
    /// A predicted probability outside [0, 1] or NaN.
    case invalidPrediction(index: Int, value: Double)
    /// A reliability diagram needs at least one (prediction, outcome) pair.
    case noPredictions

    public var description: String {
        switch self {
        case .invalidLevels(let levels):
            return "quantile levels \(levels) are not usable: they must be non-empty, finite, strictly ascending "
                + "and inside (0, 1), e.g. [0.5, 0.9, 0.99]; check the forecaster's levels in the model file"
        case .invalidHorizon(let steps):
            return "horizon of \(steps) steps: a risk estimate needs at least 1 forecast step"
        case .invalidSpec(let why):
            return "invalid risk calibration spec: \(why)"
        case let .invalidSample(index, reason):
            return "calibration sample \(index): \(reason); drop or repair it before fitting"
        case .calibrationDidNotConverge(let iterations):
            return "risk calibration did not converge in \(iterations) Newton iterations (the outcomes are "
                + "almost perfectly separated by the features); collect more held-out data or raise the ridge"
        case .singularFeatures:
            return "risk calibration features are collinear (a constant raw risk or heavy-phase probability) and the "
                + "ridge is 0, so the coefficients are not identified; use a positive ridge (the default 1e-6)"
        case let .invalidPrediction(index, value):
            return "prediction \(index) is \(value); predicted probabilities must lie in [0, 1]"
        case .noPredictions:
            return "a reliability diagram needs at least one (prediction, outcome) pair; score a held-out "
                + "period with at least one forecast first"
        }
    }
}
