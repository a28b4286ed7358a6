/// Placeholder until the ARIMA benchmark lands.
enum ARIMABench {
    static func run(_ arguments: [String]) { print("ARIMA benchmark not implemented yet") }
}
