/// Training sequences validated and concatenated (N steps in total), so that Baum–Welch
/// can treat all of them with one BLAS product per statistic.
///
/// Layout:
/// * `sequenceStarts`: S + 1 offsets; sequence s is steps `sequenceStarts[s] ..< sequenceStarts[s+1]`.
/// * `symbols`: N symbols (empty when the kind emits none).
/// * `values`: row-major N × D (empty when the kind emits no vectors).
struct HMMTrainingData: Sendable {
    let kind: HMMEmissionKind
    let sequenceStarts: [Int]
    let symbols: [Int32]
    let values: [Double]

    /// Total steps N.
    var totalSteps: Int { sequenceStarts.last ?? 0 }
    /// Number of sequences S.
    var sequenceCount: Int { sequenceStarts.count - 1 }

    /// Value x_td (0 ≤ d < D) of global step t.
    @inline(__always) func value(_ t: Int, _ d: Int) -> Double { values[t * kind.dimension + d] }

    /// Validates `sequences` against `kind` and concatenates them.
    ///
    /// - Throws: `.noSequences`, `.emptySequence`, `.layoutMismatch`, `.nonFinite` (NaN/±∞
    ///   values), `.symbolOutOfRange` (including negative symbols), `.noTransitions` (every
    ///   sequence has one step), each naming the first offending sequence and step.
    init(_ sequences: [HMMSequence], kind: HMMEmissionKind) throws(HMMError) {
        guard !sequences.isEmpty else { throw .noSequences }
        let d = kind.dimension, m = kind.symbolCount
        var starts = [0]
        starts.reserveCapacity(sequences.count + 1)
        for (s, sequence) in sequences.enumerated() {
            guard sequence.count > 0 else { throw .emptySequence(index: s) }
            guard sequence.matches(kind) else {
                throw .layoutMismatch(index: s, expected: kind, hasSymbols: !sequence.symbols.isEmpty,
                                      dimension: sequence.dimension)
            }
            if m > 0, let t = sequence.symbols.firstIndex(where: { $0 < 0 || Int($0) >= m }) {
                throw .symbolOutOfRange(sequence: s, step: t, symbol: Int(sequence.symbols[t]), symbolCount: m)
            }
            if d > 0, let i = sequence.values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(sequence: s, step: i / d, dimension: i % d, value: sequence.values[i])
            }
            starts.append(starts[starts.count - 1] + sequence.count)
        }
        guard sequences.contains(where: { $0.count >= 2 }) else { throw .noTransitions(sequences: sequences.count) }
        let n = starts[starts.count - 1]
        var symbols: [Int32] = [], values: [Double] = []
        if m > 0 { symbols.reserveCapacity(n) }
        if d > 0 { values.reserveCapacity(n * d) }
        for sequence in sequences {
            if m > 0 { symbols += sequence.symbols }
            if d > 0 { values += sequence.values }
        }
        self.kind = kind
        self.sequenceStarts = starts
        self.symbols = symbols
        self.values = values
    }

    /// The sequence holding global step t and t's index within it (for error messages).
    func locate(_ t: Int) -> (sequence: Int, step: Int) {
        var s = 0
        while s + 1 < sequenceStarts.count - 1 && sequenceStarts[s + 1] <= t { s += 1 }
        return (s, t - sequenceStarts[s])
    }

    /// Number of distinct observations (symbol and value row, compared exactly), counting
    /// no further than `limit`. O(N · limit · D), no allocation per step.
    func distinctObservationCount(upTo limit: Int) -> Int {
        let d = kind.dimension
        var representatives: [Int] = []  // global step index of each distinct observation
        representatives.reserveCapacity(limit)
        outer: for t in 0..<totalSteps {
            for r in representatives {
                if !symbols.isEmpty && symbols[r] != symbols[t] { continue }
                var same = true
                for j in 0..<d where values[r * d + j] != values[t * d + j] {
                    same = false
                    break
                }
                if same { continue outer }
            }
            representatives.append(t)
            if representatives.count >= limit { break }
        }
        return representatives.count
    }
}
