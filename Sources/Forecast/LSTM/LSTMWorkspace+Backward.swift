/// Backpropagation through time over the whole minibatch (Werbos 1990; the LSTM
/// derivatives as in Graves 2012, "Supervised Sequence Labelling", §4.6 without peepholes).
///
/// Given ∂L/∂head in `dHead` (from `LSTMQuantileHead.lossGradient`), with
/// dh = ∂L/∂h_t and dc = ∂L/∂c_t carried from step t + 1:
///
///     dc   += dh ⊙ o ⊙ (1 − tanh²c_t)          do = dh ⊙ tanh c_t
///     di    = dc ⊙ g      df = dc ⊙ c_{t−1}    dg = dc ⊙ i
///     dz    = [di⊙i(1−i) ‖ df⊙f(1−f) ‖ dg⊙(1−g²) ‖ do⊙o(1−o)]     (pre-activations)
///     dc_{t−1} = dc ⊙ f                         dh_{t−1} = dz · W_hh
///
/// and the parameter gradients
///
///     ∂L/∂[W_ih ‖ W_hh] = Σ_t dz_tᵀ · [x_t ‖ h_{t−1}]      ∂L/∂b_ih = ∂L/∂b_hh = Σ_t Σ_b dz_t
///     ∂L/∂W_y = dHeadᵀ · h_{T−1}                         ∂L/∂b_y = Σ_b dHead
///
/// BLAS calls: dHeadᵀ·h and dHead·W_y once; per step t ≥ 1 one dz_t [B × 4H] · W_hh [4H × H];
/// at the end ONE sgemm for both weight matrices at once (the activations are stored fused
/// for exactly this, see `LSTMLayout`), computed transposed, [X ‖ H]ᵀ [(F + H) × T·B] · dz
/// [T·B × 4H] into `weightGradientTransposed`, then transposed into the gradient: OpenBLAS
/// runs that orientation faster (batch 64, T 48, H 64: 13.4 vs 13.9 µs a sequence with the
/// transpose, in a C loop; training +1.4% in the median of 5 alternating runs).
extension LSTMWorkspace {
    /// Fills `gradient` (`layout.parameterCount` values, every one overwritten) from
    /// `dHead` and the activations of the last `forward`, which it consumes (`gates` ends
    /// up holding the gate gradients): call `forward` again before another `backward`.
    func backward(parameters p: UnsafePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>) {
        let (bt, t) = (batch, steps)
        let (f, h, g4, fused, o) = (layout.inputFeatures, layout.hiddenSize, layout.gateWidth,
                                    layout.fusedWidth, layout.outputCount)
        let lastH = UnsafeMatrixView(baseAddress: UnsafePointer(xh + t * bt * fused + f), rows: bt, cols: h, leadingDimension: fused)
        let dHeadView = UnsafeMatrixView(baseAddress: UnsafePointer(dHead), rows: bt, cols: o)
        let headWeight = UnsafeMatrixView(baseAddress: p + layout.headWeightOffset, rows: o, cols: h)
        let wHH = UnsafeMatrixView(baseAddress: p + layout.weightOffset + f, rows: g4, cols: h, leadingDimension: fused)

        // Head: ∂W_y = dHeadᵀ · h_{T−1}, ∂b_y = column sums, dh_{T−1} = dHead · W_y.
        BLAS.gemm(a: dHeadView, transA: .transposed, b: lastH, beta: 0,
                  c: UnsafeMutableMatrixView(baseAddress: gradient + layout.headWeightOffset, rows: o, cols: h))
        let headBiasGradient = gradient + layout.headBiasOffset
        headBiasGradient.update(repeating: 0, count: o)
        for b in 0..<bt {
            let row = dHead + b * o
            for k in 0..<o { headBiasGradient[k] += row[k] }
        }
        BLAS.gemm(a: dHeadView, b: headWeight, beta: 0, c: UnsafeMutableMatrixView(baseAddress: dh, rows: bt, cols: h))
        dc.update(repeating: 0, count: bt * h)

        let biasGradient = gradient + layout.biasIHOffset
        biasGradient.update(repeating: 0, count: g4)
        // The gate gradients overwrite the activations in `gates`, row by row.
        let dGates = gates
        for step in stride(from: t - 1, through: 0, by: -1) {
            let dGateBlock = dGates + step * bt * g4
            Scalar.lstmCellBackward(
                rows: bt, hidden: h, gates: UnsafePointer(gates + step * bt * g4), cPrevious: cells + step * bt * h,
                tanhC: tanhC + step * bt * h, dh: dh, dc: dc, dGates: dGateBlock, biasGradient: biasGradient)
            if step > 0 {
                BLAS.gemm(a: UnsafeMatrixView(baseAddress: UnsafePointer(dGateBlock), rows: bt, cols: g4), b: wHH, beta: 0,
                          c: UnsafeMutableMatrixView(baseAddress: dh, rows: bt, cols: h))
            }
        }
        // Both LSTM weight matrices in one sgemm over all T·B rows, as the transposed product
        // [X ‖ H]ᵀ · dz, then transposed into place.
        BLAS.gemm(a: UnsafeMatrixView(baseAddress: UnsafePointer(xh), rows: t * bt, cols: fused), transA: .transposed,
                  b: UnsafeMatrixView(baseAddress: UnsafePointer(dGates), rows: t * bt, cols: g4), beta: 0,
                  c: UnsafeMutableMatrixView(baseAddress: weightGradientTransposed, rows: fused, cols: g4))
        Self.transpose(weightGradientTransposed, rows: fused, cols: g4, sourceStride: g4, into: gradient + layout.weightOffset)
        (gradient + layout.biasHHOffset).update(from: biasGradient, count: g4)
    }
}
