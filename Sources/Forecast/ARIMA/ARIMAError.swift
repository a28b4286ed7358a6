/// Why an ARIMA fit (or its input) was refused. Every message says what to do about it.
public enum ARIMAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The series has no finite observation at all (empty, or all NaN).
    case noObservations(count: Int)
    /// Too few observations for the model: `observed` non-missing values (after leading
    /// NaNs), `required` for `model` (see `ARIMA.minimumObservations`).
    case tooShort(observed: Int, required: Int, model: String)
    /// y[index] is +∞ or −∞ (NaN is fine: it is a missing observation).
    case nonFinite(index: Int, value: Double)
    /// Every observed value equals `value`: no variance to model. `AutoARIMA` answers this
    /// with a constant model instead of throwing.
    case constantSeries(value: Double)
    /// After d differences the series is constant (e.g. an exact straight line for d = 1):
    /// σ² would be 0. `AutoARIMA` answers this with an ARIMA(0,d,0) of zero variance.
    case constantAfterDifferencing(d: Int)
    /// An order or a specification field is out of range; `reason` says which and why.
    case invalidSpecification(String)
    /// Fourier terms of `period` steps need at least one full period of data.
    case tooShortForFourier(observed: Int, period: Int)
    /// The regressors (intercept/drift and Fourier columns, after differencing) are
    /// (numerically) collinear over the observed steps.
    case collinearRegressors(String)
    /// Coefficients given to `ARIMA.evaluate` do not match the model's shape or are not
    /// stationary/invertible.
    case invalidCoefficients(String)
    /// The likelihood could not be evaluated at any point the optimiser tried (it should
    /// not happen with finite, non-constant data; please report the series).
    case estimationFailed(model: String, reason: String)

    public var description: String {
        switch self {
        case let .noObservations(count):
            return "the series has no finite observation (\(count) values, all missing); "
                + "collect some samples before fitting, or skip this workload/resource"
        case let .tooShort(observed, required, model):
            return "the series has \(observed) observed samples; \(model) needs at least \(required) "
                + "(d + p + q + regressors + 2); wait for more history or lower the orders (maxP, maxQ, Fourier pairs)"
        case let .nonFinite(index, value):
            return "y[\(index)] is \(value); ARIMA accepts finite values and NaN for a missing sample: "
                + "replace infinities by NaN (or drop them) before fitting"
        case let .constantSeries(value):
            return "every observed value is \(value): there is no variation to model; use AutoARIMA "
                + "(it returns a constant forecast with zero variance) or a constant forecast"
        case let .constantAfterDifferencing(d):
            return "the series is constant after \(d) difference(s) (an exact polynomial trend): σ² would be 0; "
                + "use AutoARIMA (it returns ARIMA(0,\(d),0) with zero variance) or a lower d"
        case let .invalidSpecification(reason):
            return "invalid ARIMA specification: \(reason)"
        case let .tooShortForFourier(observed, period):
            return "Fourier terms with a period of \(period) steps need at least one full period of data, "
                + "the series has \(observed) steps; fit without Fourier terms (fourierPeriod = nil) "
                + "until a full period is available"
        case let .collinearRegressors(reason):
            return "the regressors are collinear: \(reason); use fewer Fourier pairs or drop the constant"
        case let .invalidCoefficients(reason):
            return "invalid ARIMA coefficients: \(reason)"
        case let .estimationFailed(model, reason):
            return "\(model) could not be estimated: \(reason); check the series for extreme values "
                + "or try a lower order"
        }
    }
}
