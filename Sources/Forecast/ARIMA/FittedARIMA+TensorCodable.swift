/// Model-file form of a fitted ARIMA (safetensors through `TensorBundle`). Tensors, all
/// under `prefix` (e.g. "arima.cpu_cores"):
///
/// | name | dtype | shape | content |
/// |---|---|---|---|
/// | `.order` | I64 | [3] | p, d, q |
/// | `.ar`, `.ma` | F64 | [p], [q] | φ, θ |
/// | `.regressors` | I64 | [4] | constant (0 none, 1 intercept, 2 drift), period (0 = none), K, startStep |
/// | `.beta` | F64 | [k] | β |
/// | `.statistics` | F64 | [5] | σ², log L, AIC, AICc, BIC |
/// | `.counts` | I64 | [4] | nobs, training steps, estimation (0 ML, 1 CSS), termination (−1 none, else index in `OptimizationResult.Termination` order) |
/// | `.state.mean` | F64 | [m] | filter state mean |
/// | `.state.covariance` | F64 | [m, m] | filter state covariance / σ² |
/// | `.state.step` | I64 | [2] | next step, ready (0/1) |
/// | `.state.pending` | F64 | [j] | levels collected before the state is ready (j < d) |
///
/// Decoding re-validates everything (shapes, stationarity, invertibility) and throws
/// `TensorBundleError` naming what is wrong.
extension FittedARIMA: TensorCodable {
    private static let terminations: [OptimizationResult.Termination] =
        [.gradientTolerance, .functionTolerance, .stepTolerance, .maxIterations, .lineSearchFailed, .nonFiniteStart]

    public func encode(into bundle: inout TensorBundle, prefix: String) {
        let p = parameters
        bundle.set("\(prefix).order", ints: [Int64(p.order.p), Int64(p.order.d), Int64(p.order.q)])
        bundle.set("\(prefix).ar", doubles: p.ar)
        bundle.set("\(prefix).ma", doubles: p.ma)
        let constantCode: Int64 = switch p.regressors.constant {
        case .none: 0
        case .intercept: 1
        case .drift: 2
        }
        bundle.set("\(prefix).regressors", ints: [constantCode, Int64(p.regressors.fourierPeriod ?? 0),
                                                 Int64(p.regressors.fourierPairs), Int64(p.regressors.startStep)])
        bundle.set("\(prefix).beta", doubles: p.regressionCoefficients)
        bundle.set("\(prefix).statistics", doubles: [p.sigma2, logLikelihood, aic, aicc, bic])
        let terminationCode = termination.flatMap { FittedARIMA.terminations.firstIndex(of: $0) } ?? -1
        bundle.set("\(prefix).counts", ints: [Int64(nobs), Int64(trainingSteps), estimation == .maximumLikelihood ? 0 : 1,
                                             Int64(terminationCode)])
        let m = state.stateDimension
        bundle.set("\(prefix).state.mean", doubles: state.stateMean)
        bundle.set("\(prefix).state.covariance", doubles: state.stateCovariance, shape: [m, m])
        bundle.set("\(prefix).state.step", ints: [Int64(state.nextStep), state.isReady ? 1 : 0])
        bundle.set("\(prefix).state.pending", doubles: state.pendingLevelValues)
    }

    public init(from bundle: TensorBundle, prefix: String) throws {
        func ints(_ name: String, count: Int) throws -> [Int] {
            let values = try bundle.ints("\(prefix).\(name)")
            guard values.count == count else {
                throw TensorBundleError.wrongShape(name: "\(prefix).\(name)", expected: "[\(count)]", found: [values.count])
            }
            return values.map { Int($0) }
        }
        func doubles(_ name: String, count: Int) throws -> [Double] {
            let values = try bundle.doubles("\(prefix).\(name)")
            guard values.count == count else {
                throw TensorBundleError.wrongShape(name: "\(prefix).\(name)", expected: "[\(count)]", found: [values.count])
            }
            return values
        }
        let orderValues = try ints("order", count: 3)
        guard orderValues[0] >= 0, orderValues[2] >= 0, (0...2).contains(orderValues[1]) else {
            throw TensorBundleError.invalid("\(prefix).order = \(orderValues) is not a valid (p, d, q)")
        }
        let order = ARIMAOrder(p: orderValues[0], d: orderValues[1], q: orderValues[2])
        let regressorValues = try ints("regressors", count: 4)
        let constants: [ARIMARegressors.Constant] = [.none, .intercept, .drift]
        let period = regressorValues[1], pairs = regressorValues[2]
        // Steps are bounded by 2⁴⁰ (35 million years of 1-second steps) so step arithmetic
        // (start + step, step + horizon) cannot overflow; 2·K < period is written without
        // the product, which a file's K could overflow.
        let stepBound = 1 << 40
        guard (0..<3).contains(regressorValues[0]), abs(regressorValues[3]) <= stepBound,
              period == 0 ? pairs == 0 : (period >= 3 && period <= 1 << 24 && pairs >= 0 && pairs <= (period - 1) / 2) else {
            throw TensorBundleError.invalid("\(prefix).regressors = \(regressorValues) is not a valid (constant, period, K, startStep)")
        }
        let regressors = ARIMARegressors(constant: constants[regressorValues[0]], fourierPeriod: period == 0 ? nil : period,
                                         fourierPairs: pairs, startStep: regressorValues[3])
        let statistics = try doubles("statistics", count: 5)
        let parameters: ARIMAParameters
        do {
            parameters = try ARIMAParameters(order: order, ar: try doubles("ar", count: order.p), ma: try doubles("ma", count: order.q),
                                             regressors: regressors, regressionCoefficients: try doubles("beta", count: regressors.count),
                                             sigma2: statistics[0])
        } catch let error as ARIMAError {
            throw TensorBundleError.invalid("\(prefix): \(error)")
        }
        let counts = try ints("counts", count: 4)
        let m = order.armaStateDimension + order.d
        let step = try ints("state.step", count: 2)
        let pending = try bundle.doubles("\(prefix).state.pending")
        guard abs(step[0]) <= stepBound else {
            throw TensorBundleError.invalid("\(prefix).state.step = \(step[0]) is beyond ±2^40 steps")
        }
        let stateMean = try doubles("state.mean", count: m), stateCovariance = try doubles("state.covariance", count: m * m)
        guard (stateMean + stateCovariance + pending).allSatisfy(\.isFinite) else {
            throw TensorBundleError.invalid("\(prefix): the stored filter state holds a value that is not finite")
        }
        guard let state = ARIMAState(parameters: parameters, nextStep: step[0], stateMean: stateMean,
                                     stateCovariance: stateCovariance, pendingLevels: pending, ready: step[1] != 0) else {
            throw TensorBundleError.invalid("\(prefix): the stored filter state does not match \(order) (state dimension \(m))")
        }
        let termination = counts[3] >= 0 && counts[3] < FittedARIMA.terminations.count ? FittedARIMA.terminations[counts[3]] : nil
        self.init(parameters: parameters, logLikelihood: statistics[1], nobs: counts[0], trainingSteps: counts[1],
                  estimation: counts[2] == 0 ? .maximumLikelihood : .conditionalSumOfSquares, termination: termination,
                  state: state)
    }
}
