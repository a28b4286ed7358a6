/// Starting parameters for EM (`HMMSpec.Initialization`).
///
/// EM only finds a local maximum, so the start matters. Both schemes give every state the
/// pooled per-dimension variance of all data (floored), as hmmlearn does: broad starting
/// variances let EM move points between states before the states sharpen.
extension HMM {
    static func initialParameters(_ data: HMMTrainingData, spec: HMMSpec,
                                  generator: inout SeededGenerator) -> HMMParameters {
        let k = spec.states, d = data.kind.dimension, m = data.kind.symbolCount
        let variances = pooledVariances(data, floor: spec.varianceFloor)
        let frequencies = symbolFrequencies(data)
        var start = [Double](repeating: 1, count: k)
        var transition = [Double](repeating: 1, count: k * k)
        var symbolProbabilities = [Double](repeating: 0, count: k * m)
        var means = [Double](repeating: 0, count: k * d)

        switch (spec.initialization, d > 0) {
        case (.kMeans, true):
            // Laplace-smoothed (+1) counts of the hard k-means assignment.
            let clusters = HMMKMeans(data, k: k, generator: &generator)
            means = clusters.centroids
            var symbolCounts = [Double](repeating: 1, count: k * m)
            let starts = data.sequenceStarts
            for s in 0..<(starts.count - 1) {
                start[clusters.labels[starts[s]]] += 1
                for t in starts[s]..<starts[s + 1] {
                    if t > starts[s] { transition[clusters.labels[t - 1] * k + clusters.labels[t]] += 1 }
                    if m > 0 { symbolCounts[clusters.labels[t] * m + Int(data.symbols[t])] += 1 }
                }
            }
            symbolProbabilities = symbolCounts
        case (.kMeans, false):
            // Symbols only: state j favours the j-th most frequent symbol (half its mass),
            // the other half the overall frequencies, with ±5 % jitter so restarts differ;
            // "sticky" transitions (stay with 0.8), a typical phase persistence to start from.
            let order = (0..<m).sorted { frequencies[$0] > frequencies[$1] || (frequencies[$0] == frequencies[$1] && $0 < $1) }
            for j in 0..<k {
                for s in 0..<m {
                    let favoured = s == order[j % m] ? 0.5 : 0
                    symbolProbabilities[j * m + s] = (0.5 * frequencies[s] + favoured) * (0.95 + 0.1 * generator.nextUniform())
                }
                for i in 0..<k { transition[j * k + i] = k == 1 ? 1 : (i == j ? 0.8 : 0.2 / Double(k - 1)) }
            }
        case (.random, _):
            for j in 0..<k {
                if d > 0 {
                    let t = Int(generator.next() % UInt64(data.totalSteps))
                    for e in 0..<d { means[j * d + e] = data.value(t, e) }
                }
                for s in 0..<m { symbolProbabilities[j * m + s] = 0.5 * frequencies[s] + 0.5 * generator.nextUniform() }
                for i in 0..<k { transition[j * k + i] = 0.1 + generator.nextUniform() }
                start[j] = 0.1 + generator.nextUniform()
            }
        }
        normalise(&start, rows: 1, cols: k)
        normalise(&transition, rows: k, cols: k)
        if m > 0 { normalise(&symbolProbabilities, rows: k, cols: m) }
        let allVariances = (0..<k).flatMap { _ in variances }
        return HMMParameters(unchecked: start, transition: transition, symbolProbabilities: symbolProbabilities,
                             symbolCount: m, means: means, variances: d > 0 ? allVariances : [], dimension: d)
    }

    /// Per-dimension variance of all N rows (two-pass), at least `floor`.
    static func pooledVariances(_ data: HMMTrainingData, floor: Double) -> [Double] {
        let d = data.kind.dimension, n = data.totalSteps
        return (0..<d).map { e in
            var mean = 0.0
            for t in 0..<n { mean += data.value(t, e) }
            mean /= Double(n)
            var sum = 0.0
            for t in 0..<n {
                let diff = data.value(t, e) - mean
                sum += diff * diff
            }
            return max(floor, sum / Double(n))
        }
    }

    /// Laplace-smoothed symbol frequencies (M), `[]` without symbols.
    static func symbolFrequencies(_ data: HMMTrainingData) -> [Double] {
        let m = data.kind.symbolCount
        guard m > 0 else { return [] }
        var counts = [Double](repeating: 1, count: m)
        for s in data.symbols { counts[Int(s)] += 1 }
        let total = counts.reduce(0, +)
        return counts.map { $0 / total }
    }

    private static func normalise(_ values: inout [Double], rows: Int, cols: Int) {
        for i in 0..<rows {
            var sum = 0.0
            for j in 0..<cols { sum += values[i * cols + j] }
            for j in 0..<cols { values[i * cols + j] /= sum }
        }
    }
}
