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
/// 1. per step t, ONE product of the fused rows [x_t ‖ h_{t−1}] [B × (F + H)] with the fused
///    weights [W_ih ‖ W_hh]ᵀ [(F + H) × 4H], added (beta = 1) onto gates block t [B × 4H]
///    pre-filled with b_ih + b_hh (step 0 has h_{−1} = 0 and multiplies the x part alone,
///    K = F). One call per step instead of a separate K = F projection of all steps: a
///    K = 4 product is bound by writing its T·B × 4H output (3 MB at B 64, T 48, H 64),
///    which the per-step call keeps in cache (training ≈ 2% faster at that shape than one
///    K = F sgemm for all steps plus a K = H product per step). Pre-filling the bias
///    replaces OpenBLAS's zeroing pass for beta = 0 and takes the bias addition out of the
///    cell kernel; OpenBLAS's sgemm kernel adds the product to C after summing it in
///    registers, so there the pre-activations are the same numbers as product-then-bias;
/// 2. the head: h_{T−1} [B × H] · W_yᵀ [H × O] → head [B × O].
/// With B = 1 (one window, `LSTMModel.predict(window:)`) both are sgemv calls instead,
/// which do not repack the weights on every call.
/// After each step's product, one fused elementwise pass over the batch (the C kernels,
/// `LSTMScalar+CellKernels.swift`) applies σ/tanh, updates c
/// and writes h_t straight into the next block's [x ‖ h] row.
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

        for step in 0..<t {
            let gateBlock = gates + step * bt * g4
            // 1. b + [x_t ‖ h_{t−1}] · [W_ih ‖ W_hh]ᵀ for the whole batch (h_{−1} = 0: x alone).
            let k = step == 0 ? f : fused
            let weights = UnsafeMatrixView(baseAddress: p + layout.weightOffset, rows: g4, cols: k, leadingDimension: fused)
            let rows = xh + step * bt * fused
            fillRows(gateBlock, with: biasSum, width: g4, rows: bt)
            if bt == 1 {
                BLAS.gemv(a: weights, x: rows, beta: 1, y: gateBlock)
            } else {
                BLAS.gemm(a: UnsafeMatrixView(baseAddress: rows, rows: bt, cols: k, leadingDimension: fused),
                          b: weights, transB: .transposed, beta: 1,
                          c: UnsafeMutableMatrixView(baseAddress: gateBlock, rows: bt, cols: g4))
            }
            Scalar.lstmCellForward(
                rows: bt, hidden: h, gates: gateBlock, cPrevious: cells + step * bt * h, c: cells + (step + 1) * bt * h,
                tanhC: tanhC + step * bt * h, h: xh + (step + 1) * bt * fused + f, hStride: fused)
        }
        // 2. Head on the last hidden state.
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

    /// Writes `row` (`width` values) into each of `rows` consecutive rows at `destination`:
    /// the first row by copy, then the rows filled so far doubled (1 → 2 → 4 … rows), so
    /// log₂(rows) + 1 `memmove`s instead of one per row (64 short copies per step took ≈ 2%
    /// of training at batch 64, H = 64).
    private func fillRows(_ destination: UnsafeMutablePointer<Scalar>, with row: UnsafePointer<Scalar>, width: Int, rows: Int) {
        destination.update(from: row, count: width)
        var filled = 1
        while filled < rows {
            let count = Swift.min(filled, rows - filled)
            (destination + filled * width).update(from: destination, count: count * width)
            filled += count
        }
    }
}
