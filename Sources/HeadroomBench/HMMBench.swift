/// Placeholder until the HMM benchmark lands.
enum HMMBench {
    static func run(_ arguments: [String]) { print("HMM benchmark not implemented yet") }
}
