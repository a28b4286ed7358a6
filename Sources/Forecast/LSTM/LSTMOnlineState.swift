/// The LSTM's running state for ONE workload, advanced one sample at a time by the scorer:
/// no window is kept or recomputed. Each `step` costs one matrix–vector product
/// [W_ih ‖ W_hh] · [x_t ‖ h_{t−1}] (sgemv, 4H × (F + H): O(H²) for F ≪ H) and an H-wide
/// elementwise pass; `forecast()` applies the head to the current h (sgemv, O(O·H)).
///
/// Starting from h = c = 0 and stepping through a window gives the same h, and so the same
/// forecast, as `LSTMModel.predict` on that window (to Float rounding; LSTMOnlineStateTests).
/// A new workload therefore gets forecasts from its first sample on (cold start: the
/// global model's knowledge of similar workloads stands in for the missing history); they
/// sharpen as the state fills. For a long-running workload the state carries more than
/// `windowSteps` of history, which the model was not trained on; the scorer may `reset()`
/// and replay the last window periodically if that matters.
public struct LSTMOnlineState: Sendable {
    /// The model, held by reference: a scorer's states share one (`SharedLSTMModel`), where
    /// each held the model's 184-byte value twice per workload (issue 15 item 4).
    private let shared: SharedLSTMModel
    public var model: LSTMModel { shared.model }
    /// The model's window (`spec.windowSteps`), read without copying the model.
    public var windowSteps: Int { shared.model.spec.windowSteps }
    /// The model's spec, read without copying the model.
    public var spec: LSTMSpec { shared.model.spec }
    /// [x_t ‖ h_{t−1}] before a step, [x_t ‖ h_t] after it; h is the last H values.
    private var xh: [Float]
    /// c_t, H values.
    public private(set) var cell: [Float]
    /// Feature encoder for `step(timestampSeconds:values:)`; nil when built without a scaling.
    public private(set) var encoder: LSTMFeatureEncoder?
    /// Samples stepped since the start or the last `reset()`.
    public private(set) var stepsTaken = 0

    /// A zero state (h = c = 0) for `model`.
    /// - Parameter scaling: the workload's scaling, needed by `step(timestampSeconds:values:)`.
    public init(model: LSTMModel, scaling: LSTMWorkloadScaling? = nil) {
        self.init(shared: SharedLSTMModel(model), scaling: scaling)
    }

    /// A zero state for the model `shared` holds, which other states may hold too.
    public init(shared: SharedLSTMModel, scaling: LSTMWorkloadScaling? = nil) {
        let l = shared.model.layout
        self.shared = shared
        self.xh = [Float](repeating: 0, count: l.fusedWidth)
        self.cell = [Float](repeating: 0, count: l.hiddenSize)
        self.encoder = scaling.map(LSTMFeatureEncoder.init(scaling:))
    }

    /// h_t, H values.
    public var hidden: [Float] { Array(xh[shared.model.layout.inputFeatures...]) }

    /// True when h or c holds a NaN or an infinity: every later forecast would be NaN, so
    /// the owner should `reset()` (the scorer counts it). Finite weights and inputs clipped
    /// to ±`LSTMFeatureLayout.inputClip` keep the state finite (|h| ≤ 1, |c| grows at most
    /// by 1 per step), so this is a guard, not an expected event. O(H).
    public var isDegenerate: Bool {
        // A Float is ±∞ or NaN exactly when its exponent bits are all ones: the largest
        // exponent field over h and c, one branch-free integer pass that vectorises (the
        // scorer asks every tick).
        let f = shared.model.layout.inputFeatures, exponent: UInt32 = 0x7F80_0000
        var largest: UInt32 = 0
        xh.withUnsafeBufferPointer { v in for k in f..<v.count { largest = max(largest, v[k].bitPattern & exponent) } }
        cell.withUnsafeBufferPointer { v in for k in 0..<v.count { largest = max(largest, v[k].bitPattern & exponent) } }
        return largest == exponent
    }

    /// Back to h = c = 0 (the feature encoder's carried values are kept).
    public mutating func reset() {
        let f = shared.model.layout.inputFeatures
        for k in f..<xh.count { xh[k] = 0 }
        for k in cell.indices { cell[k] = 0 }
        stepsTaken = 0
    }

    /// Advances the state by one step with ready-made features (`inputFeatures` values).
    public mutating func step(features: [Float]) {
        let l = shared.model.layout
        precondition(features.count == l.inputFeatures, "step: \(features.count) features, the model takes \(l.inputFeatures)")
        for k in 0..<l.inputFeatures { xh[k] = features[k] }
        advance()
    }

    /// Advances the state by one raw sample: `values` are `Resource.count` SI values (NaN =
    /// not measured), encoded exactly as in training (`LSTMFeatureEncoder`).
    /// - Precondition: the state was made with a scaling and the model takes
    ///   `LSTMFeatureLayout.count` features.
    public mutating func step(timestampSeconds: Int64, values: [Double]) {
        precondition(encoder != nil, "step(timestampSeconds:values:) needs a state made with the workload's scaling")
        precondition(shared.model.layout.inputFeatures == LSTMFeatureLayout.count && values.count == Resource.count,
                     "step: the model takes \(shared.model.layout.inputFeatures) features; raw samples give \(LSTMFeatureLayout.count) from \(Resource.count) values")
        values.withUnsafeBufferPointer { v in
            xh.withUnsafeMutableBufferPointer { row in
                encoder!.encode(timestampSeconds: timestampSeconds, values: v.baseAddress!, into: row.baseAddress!)
            }
        }
        advance()
    }

    /// The quantile forecast from the current h (before any step: from h = 0, i.e. the
    /// model's unconditional guess). With `spec.residualToLastValue` the quantiles are
    /// shifted by the last stepped features' resource values, as in `LSTMModel.predict`
    /// (before any step, and after `reset()` until the next step, by the features still held:
    /// 0 before the first step).
    public func forecast() -> LSTMQuantileForecast {
        xh.withUnsafeBufferPointer { shared.model.forecast(lastHidden: $0.baseAddress! + shared.model.layout.inputFeatures, lastInputs: $0.baseAddress!) }
    }

    /// `forecast().values` written into `values` (`spec.outputCount` Floats, scaled units),
    /// with `scratch` (as many) for the head's linear outputs: the scorer's tick, no
    /// allocation.
    public func forecast(into values: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        xh.withUnsafeBufferPointer {
            shared.model.forecast(lastHidden: $0.baseAddress! + shared.model.layout.inputFeatures, lastInputs: $0.baseAddress!,
                           raw: scratch, into: values)
        }
    }

    /// `forecast(into:scratch:)` for the output resources whose bit is set in `resources`
    /// only (bit r = resource r): their entries of `values` are written, bit for bit the
    /// same, the others left as they were; for a caller that uses some resources' forecasts.
    public func forecast(into values: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, resources: UInt32) {
        xh.withUnsafeBufferPointer {
            shared.model.forecast(lastHidden: $0.baseAddress! + shared.model.layout.inputFeatures, lastInputs: $0.baseAddress!,
                           resources: resources, raw: scratch, into: values)
        }
    }

    /// gates = (b_ih + b_hh) + [W_ih ‖ W_hh]·[x ‖ h] in one sgemv over the fused row (the sums of
    /// `LSTMWorkspace.forward`, which adds the x and h products in two calls: equal up to rounding),
    /// then the fused cell update writes h_t over h_{t−1}. The gates and tanh(c) are scratch
    /// on the stack: kept per state they were two thirds of what a workload's two LSTM states
    /// cost the scorer (issue 15 item 4).
    private mutating func advance() {
        let l = shared.model.layout
        shared.model.parameters.withUnsafeBufferPointer { p in
            xh.withUnsafeMutableBufferPointer { row in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: l.gateWidth) { g in
                    shared.model.gateBias.withUnsafeBufferPointer { g.baseAddress!.initialize(from: $0.baseAddress!, count: l.gateWidth) }
                    BLAS.gemv(a: UnsafeMatrixView(baseAddress: p.baseAddress! + l.weightOffset, rows: l.gateWidth, cols: l.fusedWidth),
                              x: UnsafePointer(row.baseAddress!), beta: 1, y: g.baseAddress!)
                    cell.withUnsafeMutableBufferPointer { c in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: l.hiddenSize) { tc in
                            // c_{t−1} and c_t share storage: the kernel reads element j before writing it.
                            Float.lstmCellForward(
                                rows: 1, hidden: l.hiddenSize, gates: g.baseAddress!, cPrevious: UnsafePointer(c.baseAddress!),
                                c: c.baseAddress!, tanhC: tc.baseAddress!, h: row.baseAddress! + l.inputFeatures,
                                hStride: l.fusedWidth)
                        }
                    }
                }
            }
        }
        stepsTaken += 1
    }
}

/// One LSTM model held by reference, so the states of many workloads share it
/// (`GlobalLSTM.shared`).
public final class SharedLSTMModel: Sendable {
    public let model: LSTMModel

    public init(_ model: LSTMModel) { self.model = model }
}
