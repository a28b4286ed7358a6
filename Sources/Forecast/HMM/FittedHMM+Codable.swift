/// `Codable` (DESIGN.md: fitted models are values that encode): the parameters, the heavy
/// states' rule and the training record; the inference caches are rebuilt on decode. A
/// model without training data has a NaN log-likelihood, which JSON can only carry with a
/// non-conforming-float strategy. Model files use `TensorCodable` instead.
extension FittedHMM: Codable {
    private enum CodingKeys: String, CodingKey {
        case parameters, heavyStateRule, logLikelihood, logLikelihoodHistory, converged, observationCount
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(parameters: container.decode(HMMParameters.self, forKey: .parameters),
                      heavyStateRule: container.decode(HeavyStateRule.self, forKey: .heavyStateRule),
                      logLikelihood: container.decode(Double.self, forKey: .logLikelihood),
                      logLikelihoodHistory: container.decode([Double].self, forKey: .logLikelihoodHistory),
                      converged: container.decode(Bool.self, forKey: .converged),
                      observationCount: container.decode(Int.self, forKey: .observationCount))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(heavyStateRule, forKey: .heavyStateRule)
        try container.encode(logLikelihood, forKey: .logLikelihood)
        try container.encode(logLikelihoodHistory, forKey: .logLikelihoodHistory)
        try container.encode(converged, forKey: .converged)
        try container.encode(observationCount, forKey: .observationCount)
    }
}
