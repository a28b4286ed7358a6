/// The elementwise halves of the LSTM step, one batch row (H wide) per call. Formulas:
///
/// forward   gates ← [σ(z_i) ‖ σ(z_f) ‖ tanh(z_g) ‖ σ(z_o)]   (z: pre-activations, biases included)
///           c ← f ⊙ c_prev + i ⊙ g,   tanhC ← tanh(c),   h ← o ⊙ tanhC
/// backward  dc ← dc + dh ⊙ o ⊙ (1 − tanhC²)
///           dz ← [dc⊙g⊙i(1−i) ‖ dc⊙c_prev⊙f(1−f) ‖ dc⊙i⊙(1−g²) ‖ dh⊙tanhC⊙o(1−o)]
///           biasGradient += dz,   dc ← dc ⊙ f
///
/// `cPrevious` may be the same memory as `c` (the online state updates in place), and
/// `dGates` the same memory as `gates` (the workspace overwrites activations with their
/// gradients): every element is read before it is written. The generic versions are plain loops (the Double
/// reference path); Float overrides them with explicit 16- and 8-lane SIMD, because the loops with
/// five rational tanh evaluations are not auto-vectorised.
extension LSTMScalar {
    static func lstmCellForward(
        gates: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hidden: Int
    ) {
        lstmCellForwardScalar(gates: gates, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: 0)
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
        gates: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>, h: UnsafeMutablePointer<Self>, hidden: Int, from: Int
    ) {
        let gi = gates, gf = gates + hidden, gg = gates + 2 * hidden, go = gates + 3 * hidden
        for j in from..<hidden {
            let i = lstmSigmoid(gi[j])
            let f = lstmSigmoid(gf[j])
            let g = lstmTanh(gg[j])
            let o = lstmSigmoid(go[j])
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

// MARK: - Float, 16 lanes

/// The Float forward kernel runs 16 lanes at a time, the backward kernel 8, then a scalar
/// tail (H = 32 and 64, the profiles' sizes, have none). On the baseline x86-64 target (SSE2,
/// no FMA) a 16-lane vector is four registers: the activations of four independent
/// quarter-vectors interleave, which hides the latency of their Horner chains (forward
/// kernel alone, H = 64: 3.4 ns per hidden unit and step with 16 lanes, 4.1 ns with 8;
/// 32 lanes are not lowered to vector code). The backward kernel has no long chains and
/// stays at 8 lanes (16 measured no faster in training). The lane types are concrete on
/// purpose: the same code generic over `SIMD` picks the protocol's element-by-element
/// operators (training ran 3× slower with it). The activations are `@_transparent`: with
/// `@inline(__always)` alone the optimiser kept the 16-lane versions out of line.
private typealias Lanes = SIMD16<Float>
private typealias Lanes8 = SIMD8<Float>

@inline(__always) private func load(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) private func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> Lanes8 {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes8.self)
}

@inline(__always) private func store8(_ v: Lanes8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes8.self)
}

/// `Float.lstmTanh` on 16 lanes (same coefficients, same clamp, so the SIMD body and the
/// scalar tail give identical results).
@_transparent private func tanhLanes(_ x: Lanes) -> Lanes {
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
@_transparent private func sigmoidLanes(_ x: Lanes) -> Lanes {
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
        gates: UnsafeMutablePointer<Float>, cPrevious: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hidden: Int
    ) {
        var j = 0
        while j + Lanes.scalarCount <= hidden {
            forwardBlock(gates: gates, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, at: j)
            j += Lanes.scalarCount
        }
        if j < hidden {
            lstmCellForwardScalar(gates: gates, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: j)
        }
    }

    static func lstmCellBackward(
        gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, dGates: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>, hidden: Int
    ) {
        var j = 0
        while j + Lanes8.scalarCount <= hidden {
            backwardBlock(gates: gates, cPrevious: cPrevious, tanhC: tanhC, dh: dh, dc: dc, dGates: dGates,
                          biasGradient: biasGradient, hidden: hidden, at: j)
            j += Lanes8.scalarCount
        }
        if j < hidden {
            lstmCellBackwardScalar(gates: gates, cPrevious: cPrevious, tanhC: tanhC, dh: dh, dc: dc, dGates: dGates,
                                   biasGradient: biasGradient, hidden: hidden, from: j)
        }
    }

    /// `lstmCellForwardScalar` on lanes j ..< j + 16 (same operations per lane).
    @inline(__always)
    private static func forwardBlock(
        gates: UnsafeMutablePointer<Float>, cPrevious: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hidden: Int, at j: Int
    ) {
        let gi = gates + j, gf = gates + hidden + j, gg = gates + 2 * hidden + j, go = gates + 3 * hidden + j
        let i = sigmoidLanes(load(gi))
        let f = sigmoidLanes(load(gf))
        let g = tanhLanes(load(gg))
        let o = sigmoidLanes(load(go))
        let cell = f * load(cPrevious + j) + i * g
        let tc = tanhLanes(cell)
        store(i, gi)
        store(f, gf)
        store(g, gg)
        store(o, go)
        store(cell, c + j)
        store(tc, tanhC + j)
        store(o * tc, h + j)
    }

    /// `lstmCellBackwardScalar` on lanes j ..< j + 8 (same operations per lane).
    @inline(__always)
    private static func backwardBlock(
        gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, dGates: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>, hidden: Int, at j: Int
    ) {
        let di = dGates + j, df = dGates + hidden + j, dg = dGates + 2 * hidden + j, dO = dGates + 3 * hidden + j
        let bi = biasGradient + j, bf = biasGradient + hidden + j, bg = biasGradient + 2 * hidden + j
        let bo = biasGradient + 3 * hidden + j
        let one = Lanes8(repeating: 1)
        let i: Lanes8 = load8(gates + j), f: Lanes8 = load8(gates + hidden + j)
        let g: Lanes8 = load8(gates + 2 * hidden + j), o: Lanes8 = load8(gates + 3 * hidden + j)
        let tc: Lanes8 = load8(tanhC + j), dhj: Lanes8 = load8(dh + j)
        let dcj = load8(dc + j) + dhj * o * (one - tc * tc)
        let zi = dcj * g * i * (one - i)
        let zf = dcj * load8(cPrevious + j) * f * (one - f)
        let zg = dcj * i * (one - g * g)
        let zo = dhj * tc * o * (one - o)
        store8(zi, di)
        store8(zf, df)
        store8(zg, dg)
        store8(zo, dO)
        store8(load8(bi) + zi, bi)
        store8(load8(bf) + zf, bf)
        store8(load8(bg) + zg, bg)
        store8(load8(bo) + zo, bo)
        store8(dcj * f, dc + j)
    }
}
