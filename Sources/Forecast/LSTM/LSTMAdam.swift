import Foundation

/// Adam (Kingma & Ba 2015, Algorithm 1) over the flat parameter buffer, in the form of
/// PyTorch's `torch.optim.Adam` (no weight decay, no AMSGrad):
///
///     m ← β₁m + (1 − β₁)g      v ← β₂v + (1 − β₂)g²
///     θ ← θ − (α / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (the paper's and PyTorch's defaults). The moments are part
/// of a checkpoint (`LSTMTrainingState`) so a resumed run continues exactly.
public struct LSTMAdamState: Codable, Sendable, Equatable {
    /// Number of updates taken (t).
    public internal(set) var step: Int
    /// First moment m, one per parameter.
    public internal(set) var firstMoment: [Float]
    /// Second moment v, one per parameter.
    public internal(set) var secondMoment: [Float]

    static let beta1 = 0.9
    static let beta2 = 0.999
    static let epsilon: Float = 1e-8

    init(parameterCount: Int) {
        step = 0
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    init(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        precondition(firstMoment.count == secondMoment.count, "Adam: moments of different lengths")
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    /// One Adam update of `parameters` with `gradient` (same count).
    mutating func update(parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int, learningRate: Double) {
        precondition(count == firstMoment.count, "Adam: \(count) parameters but moments for \(firstMoment.count)")
        step += 1
        let b1 = Float(Self.beta1), b2 = Float(Self.beta2), eps = Self.epsilon
        let stepSize = Float(learningRate / (1 - pow(Self.beta1, Double(step))))
        let inverseRootCorrection2 = Float(1 / (1 - pow(Self.beta2, Double(step))).squareRoot())
        // The loop is C (`LSTMCellKernels.adamUpdate`): vector square roots and divisions at every
        // level, and the same operations per element whatever the level, so the bits do not
        // depend on the CPU (the Swift loop left √ lane by lane: 0.7% of training).
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                LSTMCellKernels.adamUpdate(level: .best, parameters: parameters, gradient: gradient, m: m.baseAddress!,
                                           v: v.baseAddress!, count: count, b1: b1, b2: b2, eps: eps, stepSize: stepSize,
                                           inverseRootCorrection2: inverseRootCorrection2)
            }
        }
    }
}

enum LSTMGradientClipping {
    /// Rescales `gradient` to norm `maxNorm` when its Euclidean norm exceeds it
    /// (Pascanu et al. 2013; `torch.nn.utils.clip_grad_norm_`). The norm is accumulated in
    /// Double, in eight interleaved partial sums (element i goes to sum i mod 8, the sums are
    /// added in a fixed tree at the end): the same order every call, so reproducible, and
    /// eight independent add chains instead of one 4-cycle chain per element. Returns the
    /// norm before clipping.
    @discardableResult
    static func clip(_ gradient: UnsafeMutablePointer<Float>, count: Int, maxNorm: Double) -> Double {
        var partial = SIMD8<Double>()
        var i = 0
        while i + 8 <= count {
            for k in 0..<8 {
                let g = Double(gradient[i + k])
                partial[k] += g * g
            }
            i += 8
        }
        var sumOfSquares = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
        while i < count {
            sumOfSquares += Double(gradient[i]) * Double(gradient[i])
            i += 1
        }
        let norm = sumOfSquares.squareRoot()
        if maxNorm.isFinite, norm > maxNorm {
            let factor = Float(maxNorm / (norm + 1e-6))
            for i in 0..<count { gradient[i] *= factor }
        }
        return norm
    }
}
