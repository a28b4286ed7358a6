/// A fitted global LSTM quantile forecaster: an immutable value (`Sendable`), made by
/// `LSTMTrainer.fit` or from PyTorch-layout weights, stored with `TensorCodable`.
///
/// Network: one LSTM layer (F inputs → H hidden, PyTorch `nn.LSTM` semantics and gate
/// order i, f, g, o) over the window, then a linear head from the LAST hidden state to
/// O = horizonSteps × outputResources × quantiles outputs, made monotone per (step,
/// resource) by `LSTMQuantileHead` (q₀ = y₀, q_k = q_{k−1} + softplus(y_k); with
/// `spec.residualToLastValue`, q₀ = x_{T−1, r} + y₀: residuals to the last value). Parameter
/// layout: `LSTMLayout`. Outputs are in scaled units (divide by / multiply with the
/// workload's `LSTMWorkloadScaling`).
public struct LSTMModel: Sendable, Equatable {
    public let spec: LSTMSpec
    let layout: LSTMLayout
    /// All parameters in `LSTMLayout` order.
    let parameters: [Float]
    /// The head's O × H weights, then its O biases, with the rows reordered resource-major
    /// (row ((resource·horizonSteps + step)·Q + k)): one resource's rows are contiguous, so a
    /// forecast for some resources multiplies only theirs (`forecast(…resources:…)`; the
    /// scorer's blend weighs the LSTM for some resources only). Derived from `parameters`.
    let resourceMajorHead: [Float]
    /// b_ih + b_hh, the gates' bias of a step (`LSTMOnlineState`): derived from `parameters`,
    /// once per model rather than once per workload's state.
    let gateBias: [Float]

    init(spec: LSTMSpec, parameters: [Float]) {
        let layout = LSTMLayout(spec)
        precondition(parameters.count == layout.parameterCount,
                     "LSTMModel: \(parameters.count) parameters, the spec needs \(layout.parameterCount)")
        self.spec = spec
        self.layout = layout
        self.parameters = parameters
        let (steps, resources, q, hidden) = (spec.horizonSteps, spec.outputResources, spec.quantiles.count, layout.hiddenSize)
        var head = [Float](repeating: 0, count: layout.headWeightCount + layout.outputCount)
        for r in 0..<resources {
            for h in 0..<steps {
                for k in 0..<q {
                    let from = (h * resources + r) * q + k, to = (r * steps + h) * q + k
                    for c in 0..<hidden { head[to * hidden + c] = parameters[layout.headWeightOffset + from * hidden + c] }
                    head[layout.headWeightCount + to] = parameters[layout.headBiasOffset + from]
                }
            }
        }
        self.resourceMajorHead = head
        gateBias = (0..<layout.gateWidth).map { parameters[layout.biasIHOffset + $0] + parameters[layout.biasHHOffset + $0] }
    }

    /// A model from weights in PyTorch's layout (`nn.LSTM` state dict `weight_ih_l0`
    /// [4H × F], `weight_hh_l0` [4H × H], `bias_ih_l0` [4H], `bias_hh_l0` [4H]; `nn.Linear`
    /// `weight` [O × H], `bias` [O]), all row-major.
    /// - Throws: `LSTMError.datasetMismatch` naming the first array of the wrong length.
    public init(spec: LSTMSpec, weightIH: [Float], weightHH: [Float], biasIH: [Float], biasHH: [Float],
                headWeight: [Float], headBias: [Float]) throws(LSTMError) {
        try spec.validate()
        let l = LSTMLayout(spec)
        let (f, h, g4, o) = (l.inputFeatures, l.hiddenSize, l.gateWidth, l.outputCount)
        for (name, array, expected) in [("weight_ih", weightIH, g4 * f), ("weight_hh", weightHH, g4 * h), ("bias_ih", biasIH, g4),
                                        ("bias_hh", biasHH, g4), ("head.weight", headWeight, o * h), ("head.bias", headBias, o)]
        where array.count != expected {
            throw .datasetMismatch(reason: "\(name) has \(array.count) values; F = \(f), H = \(h), O = \(o) need \(expected)")
        }
        var p = [Float](repeating: 0, count: l.parameterCount)
        for r in 0..<g4 {
            for k in 0..<f { p[l.weightOffset + r * l.fusedWidth + k] = weightIH[r * f + k] }
            for k in 0..<h { p[l.weightOffset + r * l.fusedWidth + f + k] = weightHH[r * h + k] }
        }
        p.replaceSubrange(l.biasIHOffset..<(l.biasIHOffset + g4), with: biasIH)
        p.replaceSubrange(l.biasHHOffset..<(l.biasHHOffset + g4), with: biasHH)
        p.replaceSubrange(l.headWeightOffset..<(l.headWeightOffset + o * h), with: headWeight)
        p.replaceSubrange(l.headBiasOffset..<(l.headBiasOffset + o), with: headBias)
        self.init(spec: spec, parameters: p)
    }

    /// `weight_ih_l0`, [4H × F] row-major, gate rows i, f, g, o.
    public var weightIH: [Float] { fusedColumns(0, layout.inputFeatures) }
    /// `weight_hh_l0`, [4H × H] row-major.
    public var weightHH: [Float] { fusedColumns(layout.inputFeatures, layout.hiddenSize) }
    /// `bias_ih_l0`, [4H].
    public var biasIH: [Float] { Array(parameters[layout.biasIHOffset..<(layout.biasIHOffset + layout.gateWidth)]) }
    /// `bias_hh_l0`, [4H].
    public var biasHH: [Float] { Array(parameters[layout.biasHHOffset..<(layout.biasHHOffset + layout.gateWidth)]) }
    /// Head weight [O × H] row-major; output index ((step·resources + resource)·Q + k).
    public var headWeight: [Float] { Array(parameters[layout.headWeightOffset..<(layout.headWeightOffset + layout.headWeightCount)]) }
    /// Head bias [O].
    public var headBias: [Float] { Array(parameters[layout.headBiasOffset..<(layout.headBiasOffset + layout.outputCount)]) }
    /// Number of trainable parameters: 4H(F + H) + 8H + O·H + O.
    public var parameterCount: Int { layout.parameterCount }

    private func fusedColumns(_ first: Int, _ width: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(layout.gateWidth * width)
        for r in 0..<layout.gateWidth {
            let start = layout.weightOffset + r * layout.fusedWidth + first
            out += parameters[start..<(start + width)]
        }
        return out
    }

    // MARK: - Prediction

    /// Quantile forecasts for a batch of windows.
    ///
    /// - Parameters:
    ///   - windows: [count × steps × inputFeatures] row-major feature rows, oldest first.
    ///     `steps` may differ from `spec.windowSteps` (any length ≥ 1): a workload with a
    ///     short history (cold start) is forecast from what it has; the state starts at
    ///     h = c = 0 as in training.
    ///   - count: number of windows (≥ 1).
    /// - Returns: [count × horizonSteps × outputResources × quantiles] scaled quantiles,
    ///   monotone in the last index.
    public func predict(windows: [Float], count: Int) -> [Float] {
        let f = spec.inputFeatures
        precondition(count >= 1 && windows.count % (count * f) == 0 && windows.count >= count * f,
                     "predict: \(windows.count) values are not \(count) windows of whole \(f)-feature rows")
        let steps = windows.count / (count * f), o = layout.outputCount
        let chunk = Swift.min(count, 256)
        let workspace = LSTMWorkspace<Float>(layout: layout, targetWidth: o / spec.quantiles.count, maxBatch: chunk, maxSteps: steps,
                                             residualResources: spec.residualResources)
        var result = [Float](repeating: 0, count: count * o)
        parameters.withUnsafeBufferPointer { p in
            windows.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { out in
                    var first = 0
                    while first < count {
                        let b = Swift.min(chunk, count - first)
                        workspace.prepare(batch: b, steps: steps)
                        workspace.loadInputs(w.baseAddress! + first * steps * f)
                        workspace.forward(parameters: p.baseAddress!, quantileCount: spec.quantiles.count)
                        (out.baseAddress! + first * o).update(from: workspace.outputs, count: b * o)
                        first += b
                    }
                }
            }
        }
        return result
    }

    /// The forecast for one window ([steps × inputFeatures], any steps ≥ 1).
    public func predict(window: [Float]) -> LSTMQuantileForecast {
        LSTMQuantileForecast(spec: spec, values: predict(windows: window, count: 1))
    }

    /// The forecast from a final hidden state h (H values) and the last input row x_{T−1}
    /// (F values; read only with `spec.residualToLastValue`): the head alone.
    func forecast(lastHidden h: UnsafePointer<Float>, lastInputs x: UnsafePointer<Float>) -> LSTMQuantileForecast {
        let o = layout.outputCount
        var raw = [Float](repeating: 0, count: o)
        var values = [Float](repeating: 0, count: o)
        raw.withUnsafeMutableBufferPointer { r in
            values.withUnsafeMutableBufferPointer { v in
                forecast(lastHidden: h, lastInputs: x, raw: r.baseAddress!, into: v.baseAddress!)
            }
        }
        return LSTMQuantileForecast(spec: spec, values: values)
    }

    /// The same head into caller buffers of `outputCount` Floats: `raw` (scratch: the linear
    /// outputs) and `values` (the quantiles, `LSTMQuantileForecast.values` order).
    func forecast(lastHidden h: UnsafePointer<Float>, lastInputs x: UnsafePointer<Float>,
                  raw r: UnsafeMutablePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let (hidden, o) = (layout.hiddenSize, layout.outputCount)
        parameters.withUnsafeBufferPointer { p in
            BLAS.gemv(a: UnsafeMatrixView(baseAddress: p.baseAddress! + layout.headWeightOffset, rows: o, cols: hidden),
                      x: h, beta: 0, y: r)
            for k in 0..<o { r[k] += p[layout.headBiasOffset + k] }
        }
        LSTMQuantileHead.quantiles(raw: UnsafePointer(r), into: v, rows: o / spec.quantiles.count,
                                   quantileCount: spec.quantiles.count)
        if spec.residualToLastValue {
            LSTMQuantileHead.addLastValues(lastInputs: x, into: v, groups: o / spec.quantiles.count,
                                           resources: spec.outputResources, quantileCount: spec.quantiles.count)
        }
    }

    /// The head for the output resources whose bit is set in `resources` (bit r = resource
    /// r) only: their quantiles are written into `v` at the places `forecast(…into:)` writes
    /// them, with the same values bit for bit (same rows, same dot products, same softplus
    /// and sums); the other resources' entries are left as they were. `raw` is scratch of
    /// `outputCount` Floats (resource-major).
    func forecast(lastHidden h: UnsafePointer<Float>, lastInputs x: UnsafePointer<Float>, resources mask: UInt32,
                  raw r: UnsafeMutablePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let (steps, resources, q, hidden) = (spec.horizonSteps, spec.outputResources, spec.quantiles.count, layout.hiddenSize)
        let block = steps * q
        resourceMajorHead.withUnsafeBufferPointer { p in
            let weights = p.baseAddress!, biases = weights + layout.headWeightCount
            var first = 0
            // One sgemv per run of consecutive wanted resources (their rows are contiguous).
            while first < resources {
                guard mask & (1 << UInt32(first)) != 0 else { first += 1; continue }
                var end = first + 1
                while end < resources, mask & (1 << UInt32(end)) != 0 { end += 1 }
                let offset = first * block, rows = (end - first) * block
                BLAS.gemv(a: UnsafeMatrixView(baseAddress: weights + offset * hidden, rows: rows, cols: hidden),
                          x: h, beta: 0, y: r + offset)
                for k in offset..<(offset + rows) { r[k] += biases[k] }
                first = end
            }
        }
        for resource in 0..<resources where mask & (1 << UInt32(resource)) != 0 {
            let raw = r + resource * block
            let shift: Float = spec.residualToLastValue ? x[LSTMFeatureLayout.valueOffset + resource] : 0
            // q₀ = y₀ before y is replaced by softplus(y) in place (one pass that vectorises),
            // then q_k = q_{k−1} + softplus(y_k): `LSTMQuantileHead.quantiles`' sums.
            for step in 0..<steps { v[(step * resources + resource) * q] = raw[step * q] }
            for k in 0..<block { raw[k] = Float.lstmSoftplus(raw[k]) }
            for step in 0..<steps {
                let qs = v + (step * resources + resource) * q, ys = raw + step * q
                for k in 1..<max(q, 1) { qs[k] = ys[k] + qs[k - 1] }
                if spec.residualToLastValue { for k in 0..<q { qs[k] += shift } }
            }
        }
    }
}
