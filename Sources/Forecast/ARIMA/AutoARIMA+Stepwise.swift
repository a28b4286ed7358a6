/// The order searches of Hyndman & Khandakar (2008, §3.2), non-seasonal part, in the
/// sequence of R's `auto.arima` and statsforecast's `auto_arima_f`.
extension AutoARIMASearcher {
    /// Stepwise search. Start with (p₀, q₀) = (min(startP, maxP), min(startQ, maxQ)) (at
    /// most 1 for fewer than 10 samples) with the preferred constant, (0, 0), (1, 0) and
    /// (0, 1) with it, and (0, 0) without it; then, from the current best (p, q, c), try
    /// in turn (p−1, q), (p, q−1), (p+1, q), (p, q+1), (p−1, q−1), (p−1, q+1), (p+1, q−1),
    /// (p+1, q+1) and the other constant choice, moving to the first that improves the
    /// criterion and starting over, until none does or `maxModels` have been fitted.
    ///
    /// Differences from statsforecast 2.x, both following R: when (0, d, 0) without the
    /// constant wins the opening round the current constant becomes "without" (statsforecast
    /// keeps "with"); p + q is not capped by `maxOrder` (neither caps it).
    /// Returns the best key, nil if no candidate had a finite criterion.
    func stepwise(observedCount: Int) -> Key? {
        let choices = constantChoices
        var constant = choices[0]
        var p = min(spec.startP, maxP), q = min(spec.startQ, maxQ)
        if observedCount < 10 { p = min(p, 1); q = min(q, 1) }
        var bestCriterion = criterion(p: p, q: q, constant: constant)
        func consider(_ newP: Int, _ newQ: Int, _ newConstant: Bool) -> Bool {
            let value = criterion(p: newP, q: newQ, constant: newConstant)
            guard value < bestCriterion else { return false }
            bestCriterion = value
            (p, q, constant) = (newP, newQ, newConstant)
            return true
        }
        _ = consider(0, 0, constant)
        if maxP > 0 { _ = consider(1, 0, constant) }
        if maxQ > 0 { _ = consider(0, 1, constant) }
        if choices.count == 2 && constant { _ = consider(0, 0, false) }

        var startCount = 0
        while startCount < tried.count && tried.count < spec.maxModels {
            startCount = tried.count
            let moves: [(Int, Int, Bool)] = [
                (p - 1, q, constant), (p, q - 1, constant), (p + 1, q, constant), (p, q + 1, constant),
                (p - 1, q - 1, constant), (p - 1, q + 1, constant), (p + 1, q - 1, constant), (p + 1, q + 1, constant),
            ] + (choices.count == 2 ? [(p, q, !constant)] : [])
            for (newP, newQ, newConstant) in moves {
                guard tried.count < spec.maxModels else { break }
                guard (0...maxP).contains(newP), (0...maxQ).contains(newQ),
                      isNew(p: newP, q: newQ, constant: newConstant) else { continue }
                if consider(newP, newQ, newConstant) { break }
            }
        }
        return best
    }

    /// Every (p, q) with p ≤ maxP, q ≤ maxQ, p + q ≤ maxOrder, with each constant choice
    /// (auto.arima with `stepwise = FALSE`).
    func exhaustive() -> Key? {
        for p in 0...maxP {
            for q in 0...maxQ where p + q <= spec.maxOrder {
                for constant in constantChoices { criterion(p: p, q: q, constant: constant) }
            }
        }
        return best
    }

    /// The selected model as an exact fit: the best candidate, or in an approximate
    /// search the best-ranked one whose exact refit has a finite AICc (Hyndman).
    func selectedModel() -> FittedARIMA? {
        for key in ranked {
            guard let model = model(key) else { continue }
            if approximate {
                guard model.aicc.isFinite,
                      ARMAPolynomial.isStationary(model.ar, rootMargin: 1.01),
                      ARMAPolynomial.isInvertible(model.ma, rootMargin: 1.01) else { continue }
            }
            return model
        }
        return nil
    }
}
