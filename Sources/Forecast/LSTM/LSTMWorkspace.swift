/// Every buffer one forward + backward pass needs, allocated once for a maximum batch size
/// and window length, reused for every minibatch (no allocation inside the training loop).
///
/// Layout: TIME-MAJOR. With B the current batch size, T the current window length, F, H, O
/// as in `LSTMLayout`, "block t" of a buffer is its rows t·B ..< (t+1)·B (row b of the
/// block = sequence b of the batch), so one step of the whole minibatch is a contiguous
/// B-row matrix and all steps together are one (T·B)-row matrix:
///
/// | buffer    | rows        | cols    | block t holds                                       |
/// |-----------|-------------|---------|-----------------------------------------------------|
/// | `xh`      | (T + 1)·B   | F + H   | [x_t ‖ h_{t−1}] (h_{−1} = 0); block T: [unused ‖ h_{T−1}] |
/// | `gates`   | T·B         | 4H      | b_ih + b_hh, plus the step's product: the pre-activations, then activated [i ‖ f ‖ g ‖ o] of step t; the backward pass overwrites them with ∂L/∂(pre-activations) |
/// | `cells`   | (T + 1)·B   | H       | c_{t−1} (block 0 = c_{−1} = 0)                       |
/// | `tanhC`   | T·B         | H       | tanh(c_t)                                           |
/// | `head`    | B           | O       | raw head outputs                                    |
/// | `outputs` | B           | O       | quantiles (monotone transform of `head`, plus the last input values when `residualResources` > 0) |
/// | `dHead`   | B           | O       | ∂L/∂head                                            |
/// | `dh`,`dc` | B           | H       | ∂L/∂h_t, ∂L/∂c_t while stepping back                |
/// | `targets` | B           | horizon × resources | scaled targets, NaN = not measured        |
///
/// The gate gradients reuse `gates` (each row's activations are read just before its
/// gradients are written, and are not needed again), which keeps the working set of a
/// batch 64 × 48 steps × H 64 pass at ≈ 5 MB instead of 8.
///
/// A class (reference semantics, not `Sendable`): a workspace belongs to one training or
/// prediction call and never crosses an isolation boundary.
final class LSTMWorkspace<Scalar: LSTMScalar> {
    let layout: LSTMLayout
    let maxBatch: Int
    let maxSteps: Int
    /// Width of one target row: horizonSteps × outputResources (= O / quantiles).
    let targetWidth: Int
    /// 0: plain quantile head. R > 0: the head forecasts residuals to the last input step,
    /// the quantiles of resource r (of R per horizon step) are shifted by x_{T−1, r}
    /// (`LSTMSpec.residualToLastValue`, `LSTMQuantileHead.addLastValues`).
    let residualResources: Int
    private(set) var batch = 0
    private(set) var steps = 0

    let xh: UnsafeMutablePointer<Scalar>
    let gates: UnsafeMutablePointer<Scalar>
    let cells: UnsafeMutablePointer<Scalar>
    let tanhC: UnsafeMutablePointer<Scalar>
    let head: UnsafeMutablePointer<Scalar>
    let outputs: UnsafeMutablePointer<Scalar>
    let dHead: UnsafeMutablePointer<Scalar>
    let dh: UnsafeMutablePointer<Scalar>
    let dc: UnsafeMutablePointer<Scalar>
    let targets: UnsafeMutablePointer<Scalar>
    /// b_ih + b_hh, refreshed at the start of each forward pass.
    let biasSum: UnsafeMutablePointer<Scalar>
    /// [W_ih ‖ W_hh]ᵀ, (F + H) × 4H row-major, refreshed at the start of each forward pass:
    /// the products' right operand as stored, not transposed (see `forward`).
    let weightsTransposed: UnsafeMutablePointer<Scalar>
    /// ∂L/∂[W_ih ‖ W_hh] transposed, (F + H) × 4H: what the backward pass's weight-gradient
    /// product writes before it is transposed into the gradient (see `backward`).
    let weightGradientTransposed: UnsafeMutablePointer<Scalar>
    private var allocations: [UnsafeMutablePointer<Scalar>] = []

    init(layout: LSTMLayout, targetWidth: Int, maxBatch: Int, maxSteps: Int, residualResources: Int = 0) {
        precondition(maxBatch >= 1 && maxSteps >= 1, "LSTMWorkspace: batch \(maxBatch) and steps \(maxSteps) must be ≥ 1")
        precondition(targetWidth >= 1 && layout.outputCount % targetWidth == 0,
                     "LSTMWorkspace: O = \(layout.outputCount) must be a multiple of the target width \(targetWidth)")
        precondition(residualResources >= 0 && residualResources <= layout.inputFeatures
                     && (residualResources == 0 || targetWidth % residualResources == 0),
                     "LSTMWorkspace: \(residualResources) residual resources must divide the target width \(targetWidth) and fit in F = \(layout.inputFeatures)")
        self.layout = layout
        self.maxBatch = maxBatch
        self.maxSteps = maxSteps
        self.targetWidth = targetWidth
        self.residualResources = residualResources
        let (h, g, fused, o) = (layout.hiddenSize, layout.gateWidth, layout.fusedWidth, layout.outputCount)
        var made: [UnsafeMutablePointer<Scalar>] = []
        func make(_ count: Int) -> UnsafeMutablePointer<Scalar> {
            let p = UnsafeMutablePointer<Scalar>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            made.append(p)
            return p
        }
        xh = make((maxSteps + 1) * maxBatch * fused)
        gates = make(maxSteps * maxBatch * g)
        cells = make((maxSteps + 1) * maxBatch * h)
        tanhC = make(maxSteps * maxBatch * h)
        head = make(maxBatch * o)
        outputs = make(maxBatch * o)
        dHead = make(maxBatch * o)
        dh = make(maxBatch * h)
        dc = make(maxBatch * h)
        targets = make(maxBatch * targetWidth)
        biasSum = make(g)
        weightsTransposed = make(fused * g)
        weightGradientTransposed = make(fused * g)
        allocations = made
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// Sets the shape of the next pass and clears the initial state h_{−1} = c_{−1} = 0.
    /// - Precondition: 1 ≤ batch ≤ maxBatch, 1 ≤ steps ≤ maxSteps.
    func prepare(batch: Int, steps: Int) {
        precondition(batch >= 1 && batch <= maxBatch, "LSTMWorkspace: batch \(batch) outside 1...\(maxBatch)")
        precondition(steps >= 1 && steps <= maxSteps, "LSTMWorkspace: steps \(steps) outside 1...\(maxSteps)")
        self.batch = batch
        self.steps = steps
        let (f, h, fused) = (layout.inputFeatures, layout.hiddenSize, layout.fusedWidth)
        for b in 0..<batch {
            (xh + b * fused + f).update(repeating: 0, count: h)
        }
        cells.update(repeating: 0, count: batch * h)
    }

    /// The F input slots of sequence `b` at step `t` (write x_t here after `prepare`).
    @inline(__always) func inputRow(step t: Int, sequence b: Int) -> UnsafeMutablePointer<Scalar> {
        xh + (t * batch + b) * layout.fusedWidth
    }

    /// The targetWidth target slots of sequence `b` (horizon-major: step·resources + resource).
    @inline(__always) func targetRow(sequence b: Int) -> UnsafeMutablePointer<Scalar> {
        targets + b * targetWidth
    }

    /// h_{T−1}, the last hidden state of sequence `b` (H values) after `forward`.
    @inline(__always) func lastHidden(sequence b: Int) -> UnsafeMutablePointer<Scalar> {
        xh + (steps * batch + b) * layout.fusedWidth + layout.inputFeatures
    }

    /// destination[c·rows + r] = source[r·sourceStride + c] for r < rows, c < cols: the
    /// rows × cols matrix at `source` (row stride `sourceStride`) transposed into a compact
    /// cols × rows one. Reads down the columns, writes along the rows.
    static func transpose(_ source: UnsafePointer<Scalar>, rows: Int, cols: Int, sourceStride: Int,
                          into destination: UnsafeMutablePointer<Scalar>) {
        for c in 0..<cols {
            let out = destination + c * rows
            for r in 0..<rows { out[r] = source[r * sourceStride + c] }
        }
    }

    /// Copies batch-major sequences ([batch × steps × F], row-major) into the time-major
    /// input slots.
    func loadInputs(_ source: UnsafePointer<Scalar>) {
        let f = layout.inputFeatures
        for b in 0..<batch {
            for t in 0..<steps {
                inputRow(step: t, sequence: b).update(from: source + (b * steps + t) * f, count: f)
            }
        }
    }
}
