/// exp(x) for x ≤ 0, branch-free so a loop over many values vectorises: the one
/// transcendental of an HMM E-step (one per step and state), where the C library's `exp`
/// (a call per value, errno handling) costs a quarter of the fit time.
///
/// Method (Cody & Waite range reduction, as fdlibm's `exp`): n = round(x / ln 2),
/// r = x − n·ln2_hi − n·ln2_lo with |r| ≤ ln 2 / 2 (ln2_hi has 32 significant bits, so
/// n·ln2_hi is exact for |n| < 2²¹); exp(r) by its Taylor polynomial of degree 13 (Estrin's scheme), whose
/// truncation error r¹⁴/14! ≤ 4.2e-18 is below half an ulp; 2ⁿ built in the exponent bits.
/// n is rounded with the 1.5·2⁵² "shifter" trick (no SSE4.1 `roundsd` needed).
///
/// Accuracy: within 2 ulp of the correctly rounded result for −708 ≤ x ≤ 0 (tested against
/// Foundation's `exp`). x < −708 (results below 3.3e-308, where 2ⁿ would leave the normal
/// range) returns 0, as does −∞; x = 0 returns 1. For x > 0 the result is wrong: callers
/// pass log-densities minus their maximum, which are ≤ 0.
@inline(__always)
func hmmExpNonPositive(_ x: Double) -> Double {
    let log2e = 1.442_695_040_888_963_387_004_650_940_07
    let ln2Hi = 6.931_471_803_691_238_164_90e-01   // 0x3FE62E42FEE00000
    let ln2Lo = 1.908_214_929_270_587_700_02e-10   // 0x3DEA39EF35793C76
    let shifter = 6_755_399_441_055_744.0          // 1.5 · 2⁵²
    let clamped = max(x, -708.0)
    let shifted = clamped * log2e + shifter
    let n = shifted - shifter
    let r = (clamped - n * ln2Hi) - n * ln2Lo
    // Taylor coefficients 1/k!, k = 0 … 13, evaluated by Estrin's scheme (pairs, then
    // powers r², r⁴, r⁸): a dependency chain of ~6 operations instead of Horner's 26, so
    // consecutive values overlap in the pipeline.
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let p23 = 0.5 + r * (1.0 / 6.0)
    let p45 = 1.0 / 24.0 + r * (1.0 / 120.0), p67 = 1.0 / 720.0 + r * (1.0 / 5_040.0)
    let p89 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0), p1011 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0)
    let p1213 = 1.0 / 479_001_600.0 + r * (1.0 / 6_227_020_800.0)
    let high = p89 + r2 * p1011 + r4 * p1213
    let tail = r2 * p23 + r4 * (p45 + r2 * p67) + r8 * high
    let p = 1.0 + (r + tail)  // the large terms last: one final rounding at the result's scale
    // The low bits of `shifted` hold 2⁵¹ + n; adding the bias and shifting keeps n + 1023.
    let scale = Double(bitPattern: (shifted.bitPattern &+ 1023) &<< 52)
    return x >= -708.0 ? p * scale : 0
}
