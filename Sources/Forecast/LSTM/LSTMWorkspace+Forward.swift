/// The forward pass over a whole minibatch (Hochreiter & Schmidhuber 1997, with the forget
/// gate of Gers et al. 2000; the equations of PyTorch's `nn.LSTM`):
///
///     i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)        f_t = σ(… f rows …)
///     g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)     o_t = σ(… o rows …)
///     c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t                       h_t = o_t ⊙ tanh(c_t)
///     head = W_y h_{T−1} + b_y                              (h_{−1} = c_{−1} = 0)
///
/// then the quantile head (`LSTMQuantileHead`), shifted by the last input values x_{T−1, r}
/// when `residualResources` > 0.
///
/// BLAS calls (shapes as op(A)·op(B) = C, all row-major):
/// 1. the input projections of ALL steps in one product: X [T·B × F] (the x part of the
///    [x ‖ h] rows) · W_ihᵀ [F × 4H], added (beta = 1) onto `gates` [T·B × 4H] pre-filled
///    with b_ih + b_hh;
/// 2. per step t ≥ 1, the recurrent product h_{t−1} [B × H] · W_hhᵀ [H × 4H] added onto gates
///    block t (h_{−1} = 0: step 0 has none); with B = 1 (one window, `predict(window:)`) an
///    sgemv, which does not repack W_hh on every call;
/// 3. the head: h_{T−1} [B × H] · W_yᵀ [H × O] → head [B × O] (sgemv for B = 1).
/// For B > 1, W_ihᵀ and W_hhᵀ in 1 and 2 are the rows of `weightsTransposed`, a copy
/// transposed once per pass (4H·(F + H) values), so both products are NN: OpenBLAS packs a stored-as-used right
/// operand faster than a transposed view of W (batch 64 × H 64, 47 steps: 12.2 vs 13.1 µs a
/// sequence in a C loop over the same calls; training +1.2% in the median of 5 alternating
/// runs).
/// The alternative of ONE product per step over the fused rows [x_t ‖ h_{t−1}] · [W_ih ‖
/// W_hh]ᵀ (K = F + H, no K = F product writing all T·B × 4H gates up front) was not clearly
/// faster with the C cell kernels (batch 64, window 48, H 64, medians of 7 alternating runs:
/// −0.6%, +0.7%, +1.4% in three sessions, never the 2% that would justify leaving the
/// issue's layout; bench/lstm/RESULTS.md).
/// Pre-filling the bias replaces OpenBLAS's zeroing pass for beta = 0 and takes the bias
/// addition out of the cell kernel.
/// After each step's product, one fused elementwise pass over the batch (the C kernels,
/// `LSTMScalar+CellKernels.swift`) applies σ/tanh, updates c and writes h_t straight into
/// the next block's [x ‖ h] row.
extension LSTMWorkspace {
    /// Runs the forward pass on the inputs already loaded for the prepared batch and steps;
    /// fills `gates`, `cells`, `tanhC`, the h part of `xh`, `head` and `outputs` (the
    /// quantiles, `LSTMQuantileHead`).
    /// - Parameter parameters: `layout.parameterCount` values in `LSTMLayout` order.
    func forward(parameters p: UnsafePointer<Scalar>, quantileCount: Int) {
        let (bt, t) = (batch, steps)
        let (f, h, g4, fused, o) = (layout.inputFeatures, layout.hiddenSize, layout.gateWidth,
                                    layout.fusedWidth, layout.outputCount)
        for j in 0..<g4 { biasSum[j] = p[layout.biasIHOffset + j] + p[layout.biasHHOffset + j] }

        // One window (B = 1, `predict(window:)`) multiplies W_hh by sgemv, which reads W as
        // stored: transposing it (4H·(F + H) values) would cost as much as the products.
        let transposed = bt > 1
        if transposed {
            Self.transpose(p + layout.weightOffset, rows: g4, cols: fused, sourceStride: fused, into: weightsTransposed)
        }
        // 1. b + x_t · W_ihᵀ for every step and sequence at once.
        Scalar.lstmFillRows(gates, with: biasSum, width: g4, rows: t * bt)
        BLAS.gemm(a: UnsafeMatrixView(baseAddress: xh, rows: t * bt, cols: f, leadingDimension: fused),
                  b: transposed ? UnsafeMatrixView(baseAddress: weightsTransposed, rows: f, cols: g4)
                                : UnsafeMatrixView(baseAddress: p + layout.weightOffset, rows: g4, cols: f, leadingDimension: fused),
                  transB: transposed ? .notTransposed : .transposed, beta: 1,
                  c: UnsafeMutableMatrixView(baseAddress: gates, rows: t * bt, cols: g4))
        let wHH = UnsafeMatrixView(baseAddress: p + layout.weightOffset + f, rows: g4, cols: h, leadingDimension: fused)
        let wHHTransposed = UnsafeMatrixView(baseAddress: UnsafePointer(weightsTransposed + f * g4), rows: h, cols: g4)
        for step in 0..<t {
            let gateBlock = gates + step * bt * g4
            // 2. + h_{t−1} · W_hhᵀ for the whole batch (h_{−1} = 0: nothing to add at step 0).
            if step > 0 {
                let hPrevious = xh + step * bt * fused + f
                if bt == 1 {
                    BLAS.gemv(a: wHH, x: hPrevious, beta: 1, y: gateBlock)
                } else {
                    BLAS.gemm(a: UnsafeMatrixView(baseAddress: hPrevious, rows: bt, cols: h, leadingDimension: fused),
                              b: wHHTransposed, beta: 1,
                              c: UnsafeMutableMatrixView(baseAddress: gateBlock, rows: bt, cols: g4))
                }
            }
            Scalar.lstmCellForward(
                rows: bt, hidden: h, gates: gateBlock, cPrevious: cells + step * bt * h, c: cells + (step + 1) * bt * h,
                tanhC: tanhC + step * bt * h, h: xh + (step + 1) * bt * fused + f, hStride: fused)
        }
        // 3. Head on the last hidden state.
        let headWeight = UnsafeMatrixView(baseAddress: p + layout.headWeightOffset, rows: o, cols: h)
        if bt == 1 {
            BLAS.gemv(a: headWeight, x: xh + t * fused + f, beta: 0, y: head)
        } else {
            BLAS.gemm(a: UnsafeMatrixView(baseAddress: xh + t * bt * fused + f, rows: bt, cols: h, leadingDimension: fused),
                      b: headWeight, transB: .transposed, beta: 0, c: UnsafeMutableMatrixView(baseAddress: head, rows: bt, cols: o))
        }
        let headBias = p + layout.headBiasOffset
        for b in 0..<bt {
            let row = head + b * o
            for k in 0..<o { row[k] += headBias[k] }
        }
        LSTMQuantileHead.quantiles(raw: head, into: outputs, rows: bt * o / quantileCount, quantileCount: quantileCount)
        if residualResources > 0 {
            for b in 0..<bt {
                LSTMQuantileHead.addLastValues(
                    lastInputs: inputRow(step: t - 1, sequence: b), into: outputs + b * o, groups: o / quantileCount,
                    resources: residualResources, quantileCount: quantileCount)
            }
        }
    }
}
