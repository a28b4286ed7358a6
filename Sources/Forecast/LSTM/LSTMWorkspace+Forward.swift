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
/// 1. input projections of ALL steps at once: X [T·B × F] · W_ihᵀ [F × 4H] → gates [T·B × 4H];
/// 2. per step t ≥ 1, the recurrent product h_{t−1} [B × H] · W_hhᵀ [H × 4H] added to block t
///    (step 0 has h_{−1} = 0 and skips it);
/// 3. the head: h_{T−1} [B × H] · W_yᵀ [H × O] → head [B × O].
/// With B = 1 (one window, `LSTMModel.predict(window:)`) 2 and 3 are sgemv calls instead,
/// which do not repack the weights on every call.
/// Between 2 and the next step, one fused elementwise pass per row adds the biases,
/// applies σ/tanh, updates c and writes h_t straight into the next block's [x ‖ h] row.
extension LSTMWorkspace {
    /// Runs the forward pass on the inputs already loaded for the prepared batch and steps;
    /// fills `gates`, `cells`, `tanhC`, the h part of `xh`, `head` and `outputs` (the
    /// quantiles, `LSTMQuantileHead`).
    /// - Parameter parameters: `layout.parameterCount` values in `LSTMLayout` order.
    func forward(parameters p: UnsafePointer<Scalar>, quantileCount: Int) {
        let (bt, t) = (batch, steps)
        let (f, h, g4, fused, o) = (layout.inputFeatures, layout.hiddenSize, layout.gateWidth,
                                    layout.fusedWidth, layout.outputCount)
        let wIH = UnsafeMatrixView(baseAddress: p + layout.weightOffset, rows: g4, cols: f, leadingDimension: fused)
        let wHH = UnsafeMatrixView(baseAddress: p + layout.weightOffset + f, rows: g4, cols: h, leadingDimension: fused)
        for j in 0..<g4 { biasSum[j] = p[layout.biasIHOffset + j] + p[layout.biasHHOffset + j] }

        // 1. All input projections in one sgemm.
        BLAS.gemm(a: UnsafeMatrixView(baseAddress: xh, rows: t * bt, cols: f, leadingDimension: fused),
                  b: wIH, transB: .transposed, beta: 0,
                  c: UnsafeMutableMatrixView(baseAddress: gates, rows: t * bt, cols: g4))
        for step in 0..<t {
            let gateBlock = gates + step * bt * g4
            if step > 0 {
                // 2. Recurrent product for the whole batch, accumulated onto the projections
                //    (a matrix–vector product when the batch is one sequence).
                let hPrevious = xh + step * bt * fused + f
                if bt == 1 {
                    BLAS.gemv(a: wHH, x: hPrevious, beta: 1, y: gateBlock)
                } else {
                    BLAS.gemm(a: UnsafeMatrixView(baseAddress: hPrevious, rows: bt, cols: h, leadingDimension: fused),
                              b: wHH, transB: .transposed, beta: 1,
                              c: UnsafeMutableMatrixView(baseAddress: gateBlock, rows: bt, cols: g4))
                }
            }
            for b in 0..<bt {
                Scalar.lstmCellForward(
                    gates: gateBlock + b * g4, bias: biasSum,
                    cPrevious: cells + (step * bt + b) * h, c: cells + ((step + 1) * bt + b) * h,
                    tanhC: tanhC + (step * bt + b) * h, h: xh + ((step + 1) * bt + b) * fused + f, hidden: h)
            }
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
