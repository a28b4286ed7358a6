/// Where each parameter of the LSTM lives in one flat buffer (weights, gradients and both
/// Adam moments share it, so the optimiser and the clipping are single loops).
///
/// With F = inputFeatures, H = hiddenSize, O = outputCount (horizon × resources × quantiles):
///
/// | block        | shape            | PyTorch name               | meaning                         |
/// |--------------|------------------|----------------------------|---------------------------------|
/// | `W`          | 4H × (F + H)     | `weight_ih_l0 ‖ weight_hh_l0` | row r = [W_ih[r, :] ‖ W_hh[r, :]] |
/// | `b_ih`       | 4H               | `bias_ih_l0`               |                                 |
/// | `b_hh`       | 4H               | `bias_hh_l0`               |                                 |
/// | `W_y`        | O × H            | `head.weight`              | linear head on the last h       |
/// | `b_y`        | O                | `head.bias`                |                                 |
///
/// All row-major. Gate rows are in PyTorch's order i, f, g, o (rows k·H ..< (k+1)·H for
/// k = 0…3), so `nn.LSTM` weights map one to one. W_ih and W_hh are stored side by side
/// ("fused", row stride F + H) because the activations are stored the same way, [x_t ‖ h_{t−1}]
/// per row: the weight gradient of both is then ONE sgemm over all time steps
/// (`LSTMWorkspace.backward`). BLAS reaches either half as a strided view.
struct LSTMLayout: Sendable, Equatable, Codable {
    let inputFeatures: Int
    let hiddenSize: Int
    let outputCount: Int

    init(inputFeatures: Int, hiddenSize: Int, outputCount: Int) {
        precondition(inputFeatures >= 1 && hiddenSize >= 1 && outputCount >= 1,
                     "LSTMLayout: F = \(inputFeatures), H = \(hiddenSize), O = \(outputCount) must all be ≥ 1")
        self.inputFeatures = inputFeatures
        self.hiddenSize = hiddenSize
        self.outputCount = outputCount
    }

    init(_ spec: LSTMSpec) {
        self.init(inputFeatures: spec.inputFeatures, hiddenSize: spec.hiddenSize, outputCount: spec.outputCount)
    }

    /// 4·H, the width of one gate row [i ‖ f ‖ g ‖ o].
    var gateWidth: Int { 4 * hiddenSize }
    /// F + H, the row stride of `W` and of the [x ‖ h] activation rows.
    var fusedWidth: Int { inputFeatures + hiddenSize }

    var weightOffset: Int { 0 }
    var weightCount: Int { gateWidth * fusedWidth }
    var biasIHOffset: Int { weightOffset + weightCount }
    var biasHHOffset: Int { biasIHOffset + gateWidth }
    var headWeightOffset: Int { biasHHOffset + gateWidth }
    var headWeightCount: Int { outputCount * hiddenSize }
    var headBiasOffset: Int { headWeightOffset + headWeightCount }
    /// Total number of parameters: 4H(F + H) + 8H + O·H + O.
    var parameterCount: Int { headBiasOffset + outputCount }

    /// PyTorch-initialised parameters: every LSTM weight and bias and the head weight
    /// uniform on (−1/√H, 1/√H) (`nn.LSTM.reset_parameters`; `nn.Linear`'s Kaiming-uniform
    /// with a = √5 gives the same bound for fan-in H). Head biases: 0 for the first
    /// quantile of each (step, resource), −3 for the increments, so softplus(−3) ≈ 0.049
    /// starts the quantiles close together (scaled units; a spread of a few percent of the
    /// limit) instead of softplus(0) ≈ 0.69 apart.
    func initialParameters(quantileCount: Int, generator: inout SeededGenerator) -> [Float] {
        precondition(outputCount % quantileCount == 0, "outputCount \(outputCount) is not a multiple of \(quantileCount) quantiles")
        let bound = 1 / Double(hiddenSize).squareRoot()
        var values = [Float](repeating: 0, count: parameterCount)
        for i in 0..<headBiasOffset {
            values[i] = Float((2 * generator.nextUniform() - 1) * bound)
        }
        for o in 0..<outputCount {
            values[headBiasOffset + o] = o % quantileCount == 0 ? 0 : -3
        }
        return values
    }
}
