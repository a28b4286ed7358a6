/// The quantile head's softplus in Float without libm: the head applies it to every one of
/// the O outputs (216 for the demo's model) at every scorer tick, where `expf` + `log1pf`
/// per value were a tenth of the tick. Branch-free, so the loop over the outputs
/// vectorises.
///
/// softplus(x) = max(x, 0) + log1p(t), t = e^−|x| ∈ (0, 1]:
/// * e^−a (a = |x| clamped to 87, where e^−a is still a normal Float): a = −(k·ln 2 + r)
///   with k = round(−a / ln 2) and |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2), e^r by the
///   Cephes `expf` polynomial, 2^k by building the exponent bits;
/// * log1p(t) = 2·atanh(s), s = t / (2 + t) ∈ (0, 1/3], by its odd series through s¹³/13
///   (the first omitted term is below 1.5e-8 of the sum).
/// Accuracy: within 4 ulp of `log1p(exp(x))` in Double rounded to Float over [−87, 87] (a
/// test sweeps it); for x < −87 it gives e^−87 ≈ 1.6e−38 instead of a smaller value. NaN
/// propagates.
extension Float {
    @inline(__always) static func fastSoftplus(_ x: Float) -> Float {
        let magnitude = x < 0 ? -x : x
        let a = magnitude > 87 ? 87 : magnitude  // NaN stays NaN (the comparison is false)
        // k = round(−a·log₂e) by the 1.5·2²³ trick (round to nearest even; |−a·log₂e| < 2²²):
        // the shifted sum holds k in its low mantissa bits, so 2^k is built with wrapping
        // integer arithmetic (a checked Float → Int conversion would branch and not vectorise).
        let shifter: Float = 12_582_912
        let shifted = -a * 1.44269504088896341 + shifter
        let k = shifted - shifter
        let r = (-a - k * 0.693145751953125) - k * 1.428606765330187045e-6
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * r * r + r + 1
        let exponent = ((Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000) &+ 127) &<< 23
        let t = er * Float(bitPattern: UInt32(bitPattern: exponent))
        let s = t / (2 + t), s2 = s * s
        var series: Float = 1 / 13
        series = series * s2 + 1 / 11
        series = series * s2 + 1 / 9
        series = series * s2 + 1 / 7
        series = series * s2 + 1 / 5
        series = series * s2 + 1 / 3
        series = series * s2 + 1
        return (x > 0 ? x : 0) + 2 * s * series
    }
}
