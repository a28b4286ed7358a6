import Foundation

/// Model-file form of a `FittedHMM`. Tensors, under `prefix` (e.g. `"hmm."`):
///
/// | name | dtype | shape | content |
/// |---|---|---|---|
/// | `shape` | I64 | [3] | K, M (0 = no symbols), D (0 = no values) |
/// | `start_probabilities` | F64 | [K] | π |
/// | `transition_probabilities` | F64 | [K, K] | A, row-major |
/// | `symbol_probabilities` | F64 | [K, M] | B (only when M > 0) |
/// | `means`, `variances` | F64 | [K, D] | μ, σ² (only when D > 0) |
/// | `heavy_states` | I64 | [H] | heavy state indices (H may be 0) |
/// | `log_likelihood_history` | F64 | [I + 1] | see `FittedHMM.logLikelihoodHistory` |
/// | `training` | F64 | [3] | log-likelihood, N (steps), converged (0/1) |
///
/// plus metadata `<prefix>heavy_state_rule`: the rule as JSON (`HeavyStateRule` Codable).
extension FittedHMM: TensorCodable {
    public func encode(into bundle: inout TensorBundle, prefix: String) {
        let k = states, m = emission.symbolCount, d = emission.dimension
        bundle.set(prefix + "shape", ints: [Int64(k), Int64(m), Int64(d)])
        bundle.set(prefix + "start_probabilities", doubles: parameters.startProbabilities)
        bundle.set(prefix + "transition_probabilities", doubles: transition, shape: [k, k])
        if m > 0 { bundle.set(prefix + "symbol_probabilities", doubles: parameters.symbolElements, shape: [k, m]) }
        if d > 0 {
            bundle.set(prefix + "means", doubles: parameters.meanElements, shape: [k, d])
            bundle.set(prefix + "variances", doubles: parameters.varianceElements, shape: [k, d])
        }
        bundle.set(prefix + "heavy_states", ints: heavyStates.map { Int64($0) })
        bundle.set(prefix + "log_likelihood_history", doubles: logLikelihoodHistory)
        bundle.set(prefix + "training", doubles: [logLikelihood, Double(observationCount), converged ? 1 : 0])
        let rule = (try? JSONEncoder().encode(heavyStateRule)).map { String(decoding: $0, as: UTF8.self) }
        bundle.metadata[prefix + "heavy_state_rule"] = rule
    }

    /// - Throws: `TensorBundleError` when a tensor is missing, has the wrong type or shape,
    ///   or holds invalid parameters (the message says which).
    public init(from bundle: TensorBundle, prefix: String) throws {
        let shape = try bundle.ints(prefix + "shape")
        // M > 0 || D > 0, not M + D > 0: two sizes near 2⁶³ overflowed the sum and trapped
        // (found by Fuzz/ fuzz-safetensors, RELIABILITY.md).
        guard shape.count == 3, shape[0] >= 1, shape[1] >= 0, shape[2] >= 0, shape[1] > 0 || shape[2] > 0 else {
            throw TensorBundleError.wrongShape(name: prefix + "shape", expected: "[K ≥ 1, M ≥ 0, D ≥ 0] with M + D > 0",
                                               found: shape.map { Int($0) })
        }
        let k = Int(shape[0]), m = Int(shape[1]), d = Int(shape[2])
        func doubles(_ name: String, _ expected: [Int]) throws -> [Double] {
            let tensor = try bundle.tensor(prefix + name)
            guard tensor.shape == expected else {
                throw TensorBundleError.wrongShape(name: prefix + name, expected: "\(expected)", found: tensor.shape)
            }
            return try bundle.doubles(prefix + name)
        }
        let start = try doubles("start_probabilities", [k])
        let transition = try doubles("transition_probabilities", [k, k])
        let symbols = m > 0 ? try doubles("symbol_probabilities", [k, m]) : []
        let means = d > 0 ? try doubles("means", [k, d]) : []
        let variances = d > 0 ? try doubles("variances", [k, d]) : []
        let heavy = try bundle.ints(prefix + "heavy_states").map { Int($0) }
        let history = try bundle.doubles(prefix + "log_likelihood_history")
        let training = try doubles("training", [3])
        // N is a count stored as a Double: Int(NaN) or Int(1e300) would trap.
        guard training[1].isFinite, training[1] >= 0, training[1] < 9e15, training[1] == training[1].rounded() else {
            throw TensorBundleError.invalid("HMM under \"\(prefix)\": training[1] (observation count) is \(training[1]); "
                + "it must be a whole number ≥ 0")
        }
        guard shape[0] <= 1 << 16, shape[1] <= 1 << 24, shape[2] <= 1 << 16 else {
            throw TensorBundleError.wrongShape(name: prefix + "shape", expected: "K ≤ 65536, M ≤ 2²⁴, D ≤ 65536",
                                               found: shape.map { Int($0) })
        }
        var rule = HeavyStateRule.states(heavy)
        if let json = bundle.metadata[prefix + "heavy_state_rule"] {
            guard let decoded = try? JSONDecoder().decode(HeavyStateRule.self, from: Data(json.utf8)) else {
                throw TensorBundleError.invalid("metadata \(prefix)heavy_state_rule is not a heavy-state rule: \(json)")
            }
            rule = decoded
        }
        do {
            let parameters = try HMMParameters(
                startProbabilities: start,
                transitionProbabilities: Matrix(rows: k, cols: k, storage: transition),
                symbolProbabilities: m > 0 ? Matrix(rows: k, cols: m, storage: symbols) : nil,
                means: d > 0 ? Matrix(rows: k, cols: d, storage: means) : nil,
                variances: d > 0 ? Matrix(rows: k, cols: d, storage: variances) : nil)
            self = try FittedHMM(parameters: parameters, heavyStateRule: rule, logLikelihood: training[0],
                                 logLikelihoodHistory: history, converged: training[2] != 0,
                                 observationCount: Int(training[1]))
        } catch {
            throw TensorBundleError.invalid("HMM under \"\(prefix)\": \(error)")
        }
        guard self.heavyStates == heavy.sorted() else {
            throw TensorBundleError.invalid("HMM under \"\(prefix)\": heavy_states \(heavy) disagree with the stored rule "
                + "(\(rule)), which designates \(self.heavyStates)")
        }
    }
}
