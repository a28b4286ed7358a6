/// Sampling without replacement for row and feature subsamples.
enum GBTSampling {
    /// k distinct indices of 0..<n in ascending order, every k-subset equally likely:
    /// selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S): index i is taken with
    /// probability (k − taken) / (n − i), one uniform per index until k are taken.
    static func select(_ k: Int, of n: Int, generator: inout SeededGenerator) -> [Int32] {
        var chosen: [Int32] = []
        chosen.reserveCapacity(k)
        var i = 0
        while chosen.count < k {
            if Double(n - i) * generator.nextUniform() < Double(k - chosen.count) { chosen.append(Int32(i)) }
            i += 1
        }
        return chosen
    }
}
