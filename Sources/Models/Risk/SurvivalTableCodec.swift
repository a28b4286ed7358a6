import Forecast

/// How a binned survival table (`MemoryRiskTable`, `CPURiskTable`: per bin, ratios to a
/// reference and the share of future samples above each) is laid out in the risk family's
/// file: `<prefix>offsets` (bin b's points are offsets[b]..<offsets[b + 1]), `<prefix>ratios`,
/// `<prefix>survivals`, `<prefix>counts` (samples per bin), `<prefix>edges` (the bin edges
/// the table was learned with, checked against the scorer's own) and the metadata key of
/// the sampling interval it was learned at. One codec for both tables, so they are read
/// and refused by the same rules.
struct SurvivalTableCodec {
    /// "memory table", "CPU table": how errors name it.
    let name: String
    let prefix: String
    let intervalKey: String
    /// The scorer's bin edges, all features' concatenated.
    let edges: [Double]
    let binCount: Int

    struct Contents {
        var ratios: [[Double]]
        var survivals: [[Double]]
        var counts: [Double]
        var intervalSeconds: Int64
    }

    func encode(ratios: [[Double]], survivals: [[Double]], counts: [Double], intervalSeconds: Int64, into bundle: inout TensorBundle) {
        var offsets: [Int64] = [0]
        for r in ratios { offsets.append(offsets.last! + Int64(r.count)) }
        bundle.set(prefix + "offsets", ints: offsets)
        bundle.set(prefix + "ratios", doubles: ratios.flatMap { $0 })
        bundle.set(prefix + "survivals", doubles: survivals.flatMap { $0 })
        bundle.set(prefix + "counts", doubles: counts)
        bundle.set(prefix + "edges", doubles: edges)
        bundle.metadata[intervalKey] = String(intervalSeconds)
    }

    /// Nil when the bundle has no such table (a version trained before it existed).
    /// - Throws: `TensorBundleError` for a table that is present but malformed: an interval
    ///   outside 1…86400 s, other bin edges, offsets that do not cut the points into
    ///   `binCount` non-empty bins, ratios not increasing or not positive, survivals outside
    ///   0…1 or increasing, counts not finite and ≥ 0.
    func decode(_ bundle: TensorBundle) throws -> Contents? {
        guard let intervalText = bundle.metadata[intervalKey] else { return nil }
        guard let interval = Int64(intervalText), interval > 0, interval <= 86_400 else {
            throw TensorBundleError.invalid("risk: \(intervalKey) must be a whole number of seconds in 1…86400")
        }
        let offsets = try bundle.ints(prefix + "offsets"), flatRatios = try bundle.doubles(prefix + "ratios")
        let flatSurvivals = try bundle.doubles(prefix + "survivals"), counts = try bundle.doubles(prefix + "counts")
        guard try bundle.doubles(prefix + "edges") == edges else {
            throw TensorBundleError.invalid("risk: the \(name)'s bin edges are not this scorer's")
        }
        guard offsets.count == binCount + 1, counts.count == binCount, offsets.first == 0,
              offsets.last.map({ Int($0) == flatRatios.count }) == true, flatSurvivals.count == flatRatios.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TensorBundleError.invalid("risk: the \(name) needs \(binCount) bins of ≥ 1 point with offsets, ratios and survivals that agree")
        }
        var ratios: [[Double]] = [], survivals: [[Double]] = []
        for b in 0..<binCount {
            let range = Int(offsets[b])..<Int(offsets[b + 1])
            let q = Array(flatRatios[range]), s = Array(flatSurvivals[range])
            guard q.allSatisfy({ $0.isFinite && $0 > 0 }), s.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }),
                  zip(q, q.dropFirst()).allSatisfy({ $0 < $1 }), zip(s, s.dropFirst()).allSatisfy({ $0 >= $1 }) else {
                throw TensorBundleError.invalid("risk: \(name) bin \(b): ratios must increase and survivals (in 0…1) not")
            }
            ratios.append(q)
            survivals.append(s)
        }
        guard counts.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw TensorBundleError.invalid("risk: \(name) counts must be finite and ≥ 0") }
        return Contents(ratios: ratios, survivals: survivals, counts: counts, intervalSeconds: interval)
    }
}
