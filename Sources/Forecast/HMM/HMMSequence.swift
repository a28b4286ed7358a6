/// One observation sequence of `count` steps (one workload's trace over a window).
///
/// Layout: `symbols` holds one symbol per step (`count` of them, empty when the model emits
/// no symbols); `values` is row-major `count × dimension` (step t's vector is
/// `values[t·dimension ..< (t+1)·dimension]`, empty when the model emits no vectors).
///
/// Missing data:
/// * Fitting rejects NaN/±∞ values and negative symbols (`HMMError.nonFinite`,
///   `.symbolOutOfRange`), naming the sequence and step: EM has no business guessing.
/// * Inference (`filter`, `viterbi`, `smoothedPosteriors`, `logLikelihood`, the online
///   `HMMFilterState`) treats a NaN coordinate or the symbol −1 as missing and
///   marginalises it (its density factor is 1). A step with everything missing is a pure
///   prediction step. A scorer that drops a sample keeps running.
public struct HMMSequence: Sendable, Equatable {
    /// Number of steps T ≥ 0.
    public let count: Int
    /// Symbols, `count` of them in `0..<M` (−1 = missing at inference time), or empty.
    public let symbols: [Int32]
    /// Row-major `count × dimension` values, or empty.
    public let values: [Double]
    /// Width D of a value row; 0 when the sequence carries no vectors.
    public let dimension: Int

    /// A symbols-only sequence.
    public init(symbols: [Int32]) {
        self.count = symbols.count
        self.symbols = symbols
        self.values = []
        self.dimension = 0
    }

    /// A symbols-only sequence from `Int` symbols.
    /// - Precondition: every symbol fits in `Int32`.
    public init(symbols: [Int]) {
        self.init(symbols: symbols.map { Int32($0) })
    }

    /// A vectors-only sequence: `values` is row-major `T × dimension`.
    /// - Precondition: `dimension ≥ 1` and `values.count` is a multiple of it.
    public init(values: [Double], dimension: Int) {
        precondition(dimension >= 1, "HMMSequence: dimension must be ≥ 1, got \(dimension)")
        precondition(values.count % dimension == 0,
                     "HMMSequence: \(values.count) values are not a whole number of rows of \(dimension)")
        self.count = values.count / dimension
        self.symbols = []
        self.values = values
        self.dimension = dimension
    }

    /// A sequence with a symbol and a vector at each step (product emissions).
    /// - Precondition: `values.count == symbols.count × dimension`, `dimension ≥ 1`.
    public init(symbols: [Int32], values: [Double], dimension: Int) {
        precondition(dimension >= 1, "HMMSequence: dimension must be ≥ 1, got \(dimension)")
        precondition(values.count == symbols.count * dimension,
                     "HMMSequence: \(symbols.count) symbols need \(symbols.count * dimension) values "
                        + "(dimension \(dimension)), got \(values.count)")
        self.count = symbols.count
        self.symbols = symbols
        self.values = values
        self.dimension = dimension
    }

    /// Steps `range` as a new sequence (e.g. the last 48 steps for scoring).
    public func slice(_ range: Range<Int>) -> HMMSequence {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "HMMSequence.slice: \(range) is outside 0..<\(count)")
        let syms = symbols.isEmpty ? [] : Array(symbols[range])
        let vals = dimension == 0 ? [] : Array(values[(range.lowerBound * dimension)..<(range.upperBound * dimension)])
        switch (symbols.isEmpty, dimension == 0) {
        case (false, false): return HMMSequence(symbols: syms, values: vals, dimension: dimension)
        case (false, true): return HMMSequence(symbols: syms)
        case (true, false): return HMMSequence(values: vals, dimension: dimension)
        case (true, true): return HMMSequence(symbols: [Int32]())
        }
    }

    /// Whether this sequence's layout matches `kind` (symbols present iff the kind emits
    /// them, and the same dimension). An empty sequence matches any kind.
    func matches(_ kind: HMMEmissionKind) -> Bool {
        if count == 0 { return true }
        return (symbols.isEmpty != kind.hasSymbols) && dimension == kind.dimension
    }
}

/// One step's observation for the online filter (`HMMFilterState.step`).
public struct HMMObservation: Sendable, Equatable {
    /// The trace symbol in `0..<M`, or `nil` when missing (or when the model emits none).
    public var symbol: Int32?
    /// The D usage values (NaN = missing coordinate); empty when the model emits none.
    public var values: [Double]

    public init(symbol: Int32? = nil, values: [Double] = []) {
        self.symbol = symbol
        self.values = values
    }

    /// A symbol-only observation.
    public init(symbol: Int) { self.init(symbol: Int32(symbol)) }
}
