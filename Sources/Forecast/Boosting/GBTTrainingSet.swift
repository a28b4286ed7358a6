/// The training rows as the boosting loop uses them: rows with positive weight only, their
/// features binned (n × d bytes, row-major), labels and weights.
struct GBTTrainingSet {
    var rowCount: Int
    var featureCount: Int
    var binned: [UInt8]
    var labels: [Bool]
    /// nil when every weight is 1 (no weights given).
    var weights: [Double]?
    var binning: GBTBinning

    /// Checks the inputs and bins the features.
    ///
    /// Bin edges (`GBTBinning`) come from all rows with positive weight, or from
    /// `spec.binningSampleSize` of them drawn without replacement when there are more.
    /// - Throws: `GBTError.emptyInput` (no rows, no features), `.shapeMismatch`,
    ///   `.invalidWeight`, `.noPositiveWeight`, `.infiniteFeature`.
    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    static func prepare<Scalar: BinaryFloatingPoint>(
        features: [Scalar], featureCount d: Int, labels: [Bool], weights: [Double]?, spec: GBTSpec,
        generator: inout SeededGenerator
    ) throws(GBTError) -> GBTTrainingSet {
        let n = labels.count
        guard n > 0 else { throw .emptyInput("no rows (labels is empty); pass at least one labelled row") }
        guard d >= 1 else { throw .emptyInput("featureCount is \(d); each row needs at least one feature") }
        guard n <= Int(Int32.max) else {
            throw .shapeMismatch("\(n) rows exceed the 2³¹ − 1 one fit takes (row indices are 32-bit); subsample the rows")
        }
        guard features.count == n * d else {
            throw .shapeMismatch("\(features.count) feature values for \(n) labels × \(d) features (row-major) = \(n * d); "
                + "pass one row of \(d) values per label")
        }
        if let weights {
            guard weights.count == n else {
                throw .shapeMismatch("\(weights.count) weights for \(n) labels; pass one weight per row or none")
            }
            for (i, w) in weights.enumerated() where !(w >= 0 && w.isFinite) { throw .invalidWeight(row: i, value: w) }
        }
        var kept: [Int] = []
        if let weights {
            kept.reserveCapacity(n)
            for i in 0..<n where weights[i] > 0 { kept.append(i) }
            guard !kept.isEmpty else { throw .noPositiveWeight(rows: n) }
        } else {
            kept = Array(0..<n)
        }
        let m = kept.count

        // Edges from (a sample of) the kept rows.
        let sample: [Int]
        if m <= spec.binningSampleSize {
            sample = kept
        } else {
            sample = GBTSampling.select(spec.binningSampleSize, of: m, generator: &generator).map { kept[Int($0)] }
        }
        var edges: [[Double]] = []
        edges.reserveCapacity(d)
        var column: [Double] = []
        column.reserveCapacity(sample.count)
        for j in 0..<d {
            column.removeAll(keepingCapacity: true)
            for i in sample {
                let x = Double(features[i * d + j])
                if x.isNaN { continue }
                guard x.isFinite else { throw .infiniteFeature(row: i, column: j, value: x) }
                column.append(x)
            }
            edges.append(GBTBinning.edges(sorting: &column, maximumBins: spec.maximumBins))
        }
        let binning = GBTBinning(edges: edges)

        // Bin every kept row.
        var binned = [UInt8](repeating: 0, count: m * d)
        var failure: GBTError?
        let flatEdges = edges.flatMap { $0 }
        var edgeStarts = [0]
        for e in edges { edgeStarts.append(edgeStarts.last! + e.count) }
        binned.withUnsafeMutableBufferPointer { out in
            flatEdges.withUnsafeBufferPointer { flat in
                features.withUnsafeBufferPointer { features in
                    for (r, i) in kept.enumerated() {
                        for j in 0..<d {
                            let x = Double(features[i * d + j])
                            if x.isNaN { out[r * d + j] = GBTBinning.nanBin; continue }
                            guard x.isFinite else { failure = .infiniteFeature(row: i, column: j, value: x); return }
                            out[r * d + j] = GBTBinning.bin(
                                x, edges: UnsafeBufferPointer(rebasing: flat[edgeStarts[j]..<edgeStarts[j + 1]]))
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
        return GBTTrainingSet(rowCount: m, featureCount: d, binned: binned, labels: kept.map { labels[$0] },
                              weights: weights.map { w in kept.map { w[$0] } }, binning: binning)
    }
}
