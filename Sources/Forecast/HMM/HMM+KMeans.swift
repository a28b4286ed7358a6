/// k-means for HMM initialisation: k-means++ seeding (Arthur & Vassilvitskii 2007) then
/// Lloyd iterations, on the continuous part of the concatenated training data.
struct HMMKMeans {
    /// K × D centroids, row-major.
    let centroids: [Double]
    /// Cluster of each of the N steps.
    let labels: [Int]

    /// Clusters the rows x_t of `data` (D ≥ 1) into `k` groups.
    ///
    /// Seeding draws the first centre uniformly and each next one with probability ∝ the
    /// squared distance to the nearest chosen centre (uniformly when all distances are 0,
    /// i.e. fewer distinct points than centres). Lloyd stops when no label changes or after
    /// `maxIterations` (default 100; k-means on N ≤ 1e5 well-separated phases settles in
    /// tens). An empty cluster keeps its centre. Cost O(N·K·D) per iteration.
    init(_ data: HMMTrainingData, k: Int, maxIterations: Int = 100, generator: inout SeededGenerator) {
        let n = data.totalSteps, d = data.kind.dimension
        precondition(d >= 1 && n >= 1 && k >= 1, "HMMKMeans needs data with a continuous part")
        func squaredDistance(_ t: Int, _ centre: [Double], _ j: Int) -> Double {
            var s = 0.0
            for e in 0..<d {
                let diff = data.value(t, e) - centre[j * d + e]
                s += diff * diff
            }
            return s
        }
        var centres = [Double](repeating: 0, count: k * d)
        func setCentre(_ j: Int, toStep t: Int) { for e in 0..<d { centres[j * d + e] = data.value(t, e) } }
        setCentre(0, toStep: Int(generator.next() % UInt64(n)))
        var nearest = [Double](repeating: .infinity, count: n)
        for j in 1..<max(1, k) {
            var total = 0.0
            for t in 0..<n {
                nearest[t] = min(nearest[t], squaredDistance(t, centres, j - 1))
                total += nearest[t]
            }
            var chosen = Int(generator.next() % UInt64(n))
            if total > 0 {
                var target = generator.nextUniform() * total
                for t in 0..<n {
                    target -= nearest[t]
                    if target < 0 { chosen = t; break }
                }
            }
            setCentre(j, toStep: chosen)
        }
        var labels = [Int](repeating: -1, count: n)
        var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
        for _ in 0..<maxIterations {
            var changed = false
            for t in 0..<n {
                var best = 0, bestDistance = Double.infinity
                for j in 0..<k {
                    let distance = squaredDistance(t, centres, j)
                    if distance < bestDistance { best = j; bestDistance = distance }
                }
                if labels[t] != best { labels[t] = best; changed = true }
            }
            if !changed { break }
            for i in 0..<(k * d) { sums[i] = 0 }
            for j in 0..<k { counts[j] = 0 }
            for t in 0..<n {
                let j = labels[t]
                counts[j] += 1
                for e in 0..<d { sums[j * d + e] += data.value(t, e) }
            }
            for j in 0..<k where counts[j] > 0 {
                for e in 0..<d { centres[j * d + e] = sums[j * d + e] / Double(counts[j]) }
            }
        }
        self.centroids = centres
        self.labels = labels
    }
}
