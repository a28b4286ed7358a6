/// The elementwise halves of the LSTM step, one batch row (H wide) per call. Formulas:
///
/// forward   gates ← [σ(z_i + b_i) ‖ σ(z_f + b_f) ‖ tanh(z_g + b_g) ‖ σ(z_o + b_o)]
///           c ← f ⊙ c_prev + i ⊙ g,   tanhC ← tanh(c),   h ← o ⊙ tanhC
/// backward  dc ← dc + dh ⊙ o ⊙ (1 − tanhC²)
///           dz ← [dc⊙g⊙i(1−i) ‖ dc⊙c_prev⊙f(1−f) ‖ dc⊙i⊙(1−g²) ‖ dh⊙tanhC⊙o(1−o)]
///           biasGradient += dz,   dc ← dc ⊙ f
///
/// `cPrevious` may be the same memory as `c` (the online state updates in place), and
/// `dGates` the same memory as `gates` (the workspace overwrites activations with their
/// gradients): every element is read before it is written. The generic versions are plain loops (the Double
/// reference path); Float overrides them with explicit 8-lane SIMD, because the loops with
/// five rational tanh evaluations are not auto-vectorised.
extension LSTMScalar {
    static func lstmCellForward(
        gates: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hidden: Int
    ) {
        lstmCellForwardScalar(gates: gates, bias: bias, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: 0)
    }

    static func lstmCellBackward(
        gates: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>, tanhC: UnsafePointer<Self>,
        dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>, dGates: UnsafeMutablePointer<Self>,
        biasGradient: UnsafeMutablePointer<Self>, hidden: Int
    ) {
        lstmCellBackwardScalar(gates: gates, cPrevious: cPrevious, tanhC: tanhC, dh: dh, dc: dc, dGates: dGates,
                           biasGradient: biasGradient, hidden: hidden, from: 0)
    }

    @inline(__always)
    static func lstmCellForwardScalar(
        gates: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hidden: Int, from: Int
    ) {
        let gi = gates, gf = gates + hidden, gg = gates + 2 * hidden, go = gates + 3 * hidden
        let bi = bias, bf = bias + hidden, bg = bias + 2 * hidden, bo = bias + 3 * hidden
        for j in from..<hidden {
            let i = lstmSigmoid(gi[j] + bi[j])
            let f = lstmSigmoid(gf[j] + bf[j])
            let g = lstmTanh(gg[j] + bg[j])
            let o = lstmSigmoid(go[j] + bo[j])
            let cell = f * cPrevious[j] + i * g
            let tc = lstmTanh(cell)
            gi[j] = i
            gf[j] = f
            gg[j] = g
            go[j] = o
            c[j] = cell
            tanhC[j] = tc
            h[j] = o * tc
        }
    }

    @inline(__always)
    static func lstmCellBackwardScalar(
        gates: UnsafePointer<Self>, cPrevious: UnsafePointer<Self>, tanhC: UnsafePointer<Self>,
        dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>, dGates: UnsafeMutablePointer<Self>,
        biasGradient: UnsafeMutablePointer<Self>, hidden: Int, from: Int
    ) {
        let gi = gates, gf = gates + hidden, gg = gates + 2 * hidden, go = gates + 3 * hidden
        let di = dGates, df = dGates + hidden, dg = dGates + 2 * hidden, dO = dGates + 3 * hidden
        let bi = biasGradient, bf = biasGradient + hidden, bg = biasGradient + 2 * hidden, bo = biasGradient + 3 * hidden
        for j in from..<hidden {
            let i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tanhC[j], dhj = dh[j]
            let dcj = dc[j] + dhj * o * (1 - tc * tc)
            let zi = dcj * g * i * (1 - i)
            let zf = dcj * cPrevious[j] * f * (1 - f)
            let zg = dcj * i * (1 - g * g)
            let zo = dhj * tc * o * (1 - o)
            di[j] = zi
            df[j] = zf
            dg[j] = zg
            dO[j] = zo
            bi[j] += zi
            bf[j] += zf
            bg[j] += zg
            bo[j] += zo
            dc[j] = dcj * f
        }
    }
}

// MARK: - Float, 8 lanes

private typealias Lanes = SIMD8<Float>

@inline(__always) private func load(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) private func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

/// `Float.lstmTanh` on 8 lanes (same coefficients, same clamp, so the SIMD body and the
/// scalar tail give identical results).
@inline(__always) private func tanhLanes(_ x: Lanes) -> Lanes {
    let bound = Lanes(repeating: 7.90531110763549805)
    var xc = x.replacing(with: bound, where: x .> bound)
    xc = xc.replacing(with: -bound, where: xc .< -bound)
    let x2 = xc * xc
    var p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    var q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    return xc * p / q
}

/// σ(x) = ½ + ½·tanh(x/2) with the halvings folded into the coefficients: for y = x/2 the
/// rational is y·P(y²)/Q(y²), and ½·y·P(y²) = x·P̃(x²) with P̃ᵢ = Pᵢ/4^(i+1), Q(y²) = Q̃(x²)
/// with Q̃ᵢ = Qᵢ/4ⁱ. The scale factors are powers of two, so every Horner step is the exact
/// scaled value of the unfolded one: the result is bit for bit ½ + ½·`tanhLanes`(x/2), two
/// multiplications cheaper.
@inline(__always) private func sigmoidLanes(_ x: Lanes) -> Lanes {
    let bound = Lanes(repeating: 2 * 7.90531110763549805)
    var xc = x.replacing(with: bound, where: x .> bound)
    xc = xc.replacing(with: -bound, where: xc .< -bound)
    let x2 = xc * xc
    var p = x2 * (-2.76076847742355e-16 / 16384) + 2.00018790482477e-13 / 4096
    p = p * x2 - 8.60467152213735e-11 / 1024
    p = p * x2 + 5.12229709037114e-08 / 256
    p = p * x2 + 1.48572235717979e-05 / 64
    p = p * x2 + 6.37261928875436e-04 / 16
    p = p * x2 + 4.89352455891786e-03 / 4
    var q = x2 * (1.19825839466702e-06 / 64) + 1.18534705686654e-04 / 16
    q = q * x2 + 2.26843463243900e-03 / 4
    q = q * x2 + 4.89352518554385e-03
    return xc * p / q + 0.5
}

extension Float {
    static func lstmCellForward(
        gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hidden: Int
    ) {
        let gi = gates, gf = gates + hidden, gg = gates + 2 * hidden, go = gates + 3 * hidden
        let bi = bias, bf = bias + hidden, bg = bias + 2 * hidden, bo = bias + 3 * hidden
        var j = 0
        while j + Lanes.scalarCount <= hidden {
            let i = sigmoidLanes(load(gi + j) + load(bi + j))
            let f = sigmoidLanes(load(gf + j) + load(bf + j))
            let g = tanhLanes(load(gg + j) + load(bg + j))
            let o = sigmoidLanes(load(go + j) + load(bo + j))
            let cell = f * load(cPrevious + j) + i * g
            let tc = tanhLanes(cell)
            store(i, gi + j)
            store(f, gf + j)
            store(g, gg + j)
            store(o, go + j)
            store(cell, c + j)
            store(tc, tanhC + j)
            store(o * tc, h + j)
            j += Lanes.scalarCount
        }
        if j < hidden {
            lstmCellForwardScalar(gates: gates, bias: bias, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: j)
        }
    }

    static func lstmCellBackward(
        gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, dGates: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>, hidden: Int
    ) {
        let gi = gates, gf = gates + hidden, gg = gates + 2 * hidden, go = gates + 3 * hidden
        let di = dGates, df = dGates + hidden, dg = dGates + 2 * hidden, dO = dGates + 3 * hidden
        let bi = biasGradient, bf = biasGradient + hidden, bg = biasGradient + 2 * hidden, bo = biasGradient + 3 * hidden
        let one = Lanes(repeating: 1)
        var j = 0
        while j + Lanes.scalarCount <= hidden {
            let i = load(gi + j), f = load(gf + j), g = load(gg + j), o = load(go + j)
            let tc = load(tanhC + j), dhj = load(dh + j)
            let dcj = load(dc + j) + dhj * o * (one - tc * tc)
            let zi = dcj * g * i * (one - i)
            let zf = dcj * load(cPrevious + j) * f * (one - f)
            let zg = dcj * i * (one - g * g)
            let zo = dhj * tc * o * (one - o)
            store(zi, di + j)
            store(zf, df + j)
            store(zg, dg + j)
            store(zo, dO + j)
            store(load(bi + j) + zi, bi + j)
            store(load(bf + j) + zf, bf + j)
            store(load(bg + j) + zg, bg + j)
            store(load(bo + j) + zo, bo + j)
            store(dcj * f, dc + j)
            j += Lanes.scalarCount
        }
        if j < hidden {
            lstmCellBackwardScalar(gates: gates, cPrevious: cPrevious, tanhC: tanhC, dh: dh, dc: dc, dGates: dGates,
                               biasGradient: biasGradient, hidden: hidden, from: j)
        }
    }
}
