import ArgumentParser
import Foundation
import Forecast
import Store

/// A time given on the command line (`--until`, `--from`, `--to`): ISO-8601 or Unix seconds,
/// within `InputRules`' import range (1970 … 2099), so that the windows the commands compute
/// from it (`until − 28 days`, `from − history`) cannot overflow.
/// - Throws: `ValidationError` naming the option.
func commandLineTime(_ text: String, option: String) throws -> Int64 {
    guard let seconds = TimestampParser.parse(text) else {
        throw ValidationError("\(option): expected ISO-8601 (2013-08-15T00:00:00Z) or Unix seconds, got \"\(text)\"")
    }
    if let violation = InputRules.importTimestampViolation(seconds) {
        throw ValidationError("\(option): expected \(violation.expected), got \"\(text)\"")
    }
    return seconds
}
