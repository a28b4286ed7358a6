/// How well a score ranks and predicts binary events, as Headroom is judged
/// (`../shared/eval/score_exports.py`).
public enum ClassificationMetrics {
    /// Mann–Whitney AUC: the probability that a random positive scores above a random
    /// negative, ties counted half (average ranks). NaN when either class is empty or a
    /// score is NaN.
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        let n = min(scores.count, labels.count)
        guard n > 0, !scores.prefix(n).contains(where: \.isNaN) else { return .nan }
        let order = (0..<n).sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var positives = 0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for m in i...j where labels[order[m]] { rankSumPositive += rank; positives += 1 }
            i = j + 1
        }
        let negatives = n - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let p = Double(positives)
        return (rankSumPositive - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// 1 − Brier / Brier of always predicting the base rate; nil when the base rate's Brier is 0.
    public static func brierSkill(probabilities: [Double], labels: [Bool]) -> Double? {
        let n = min(probabilities.count, labels.count)
        guard n > 0 else { return nil }
        var brier = 0.0, positives = 0.0
        for i in 0..<n {
            let y = labels[i] ? 1.0 : 0.0
            brier += (probabilities[i] - y) * (probabilities[i] - y)
            positives += y
        }
        let rate = positives / Double(n)
        let reference = rate * (1 - rate)
        guard reference > 0 else { return nil }
        return 1 - (brier / Double(n)) / reference
    }

    /// Expected calibration error over `bins` equal-width bins of [0, 1], as score_exports.py
    /// bins: [b/B, (b+1)/B), the last bin closed; count-weighted |mean p − frequency|.
    public static func ece(probabilities: [Double], labels: [Bool], bins: Int = 10) -> Double {
        let n = min(probabilities.count, labels.count)
        guard n > 0, bins > 0 else { return .nan }
        var counts = [Int](repeating: 0, count: bins), sums = [Double](repeating: 0, count: bins), hits = [Double](repeating: 0, count: bins)
        for i in 0..<n {
            let p = probabilities[i]
            guard p >= 0, p <= 1 else { continue }
            var b = bins - 1
            for k in 0..<(bins - 1) where p >= Double(k) / Double(bins) && p < Double(k + 1) / Double(bins) { b = k; break }
            counts[b] += 1; sums[b] += p; hits[b] += labels[i] ? 1 : 0
        }
        var e = 0.0
        for b in 0..<bins where counts[b] > 0 {
            let c = Double(counts[b])
            e += c / Double(n) * abs(sums[b] / c - hits[b] / c)
        }
        return e
    }
}
