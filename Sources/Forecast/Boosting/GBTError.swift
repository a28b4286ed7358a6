/// Why a gradient-boosted trees fit refused its input, or a model was refused on load.
/// Every message names the row, column or field involved and says what to do.
public enum GBTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A hyperparameter is out of range (the message names it and its range).
    case invalidSpec(String)
    /// `fit` got no rows (or no features per row).
    case emptyInput(String)
    /// The feature matrix, labels and weights disagree in size.
    case shapeMismatch(String)
    /// An infinite feature value (NaN is allowed: it means "missing").
    case infiniteFeature(row: Int, column: Int, value: Double)
    /// A negative, NaN or infinite weight.
    case invalidWeight(row: Int, value: Double)
    /// Every weight is 0, so there is nothing to fit.
    case noPositiveWeight(rows: Int)
    /// A model's arrays are inconsistent (decoding a corrupt or hand-made model).
    case invalidModel(String)

    public var description: String {
        switch self {
        case .invalidSpec(let why):
            return "invalid gradient-boosted trees spec: \(why)"
        case .emptyInput(let why):
            return "gradient-boosted trees fit got no data: \(why)"
        case .shapeMismatch(let why):
            return "gradient-boosted trees fit: \(why)"
        case let .infiniteFeature(row, column, value):
            return "row \(row), feature \(column) is \(value); features must be finite or NaN (missing): "
                + "clamp the feature or encode an undefined value as NaN"
        case let .invalidWeight(row, value):
            return "row \(row) has weight \(value); weights must be finite and ≥ 0 (0 drops the row)"
        case .noPositiveWeight(let rows):
            return "all \(rows) rows have weight 0; give at least one row a positive weight"
        case .invalidModel(let why):
            return "invalid gradient-boosted trees model: \(why)"
        }
    }
}
