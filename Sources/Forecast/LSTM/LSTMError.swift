/// Why an LSTM feature build, fit or checkpoint resume could not go ahead. Each message
/// says what to change. Shape mismatches between internal buffers are programmer errors and
/// stop at a `precondition` instead.
public enum LSTMError: Error, Sendable, Equatable {
    /// A spec field is out of range.
    case invalidSpec(field: String, reason: String)
    /// Per-workload arrays disagree in length (`values` must be n × 6 for n timestamps).
    case shapeMismatch(workload: String, reason: String)
    /// Timestamps must strictly increase (samples sorted, no duplicates).
    case timestampsNotIncreasing(workload: String, index: Int)
    /// The dataset and the spec describe different shapes.
    case datasetMismatch(reason: String)
    /// No window to train or validate on.
    case emptyDataset(reason: String)
    /// The loss became NaN or infinite: training diverged.
    case diverged(epoch: Int, batch: Int)
    /// A checkpoint does not belong to this spec / dataset.
    case checkpointMismatch(reason: String)
}

extension LSTMError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidSpec(field, reason):
            "LSTM spec: \(field) \(reason)"
        case let .shapeMismatch(workload, reason):
            "workload \(workload): \(reason)"
        case let .timestampsNotIncreasing(workload, index):
            "workload \(workload): timestamp \(index) is not after timestamp \(index - 1); sort the samples by time and drop duplicates"
        case let .datasetMismatch(reason):
            "LSTM dataset does not match the spec: \(reason)"
        case let .emptyDataset(reason):
            "LSTM dataset is empty: \(reason)"
        case let .diverged(epoch, batch):
            "LSTM training diverged (non-finite loss in epoch \(epoch), batch \(batch)); lower learningRate or clipNorm"
        case let .checkpointMismatch(reason):
            "cannot resume from this LSTM checkpoint: \(reason); start a fresh run or pass the spec it was made with"
        }
    }
}
