/// Placeholder until the LSTM benchmark lands.
enum LSTMBench {
    static func run(_ arguments: [String]) { print("LSTM benchmark not implemented yet") }
}
