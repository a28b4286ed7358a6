/// Parses instants into Unix seconds (UTC): ISO-8601 dates and times, or numbers.
///
/// Accepted forms:
/// - `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `T` or a space, optionally followed
///   by `Z` or `±HH:MM` / `±HHMM` (no suffix = UTC);
/// - a decimal number of seconds since 1970-01-01T00:00Z (fractions rounded to the nearest
///   second).
public enum TimestampParser {
    /// Parses `text` (see the type's forms); nil when it is neither form.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(UnsafeBufferPointer(rebasing: $0[...])) }
    }

    /// Same as `parse(_:)` on UTF-8 bytes.
    static func parse(_ field: UnsafeBufferPointer<UInt8>) -> Int64? {
        if field.count >= 10, field[4] == UInt8(ascii: "-"), field[7] == UInt8(ascii: "-") {
            return parseISO(field)
        }
        guard let seconds = NumberParser.parseDouble(field), seconds.isFinite,
              abs(seconds) < 9.2e18 else { return nil }
        return Int64(seconds.rounded())
    }

    private static func number(_ f: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        guard start + length <= f.count else { return nil }
        var value = 0
        for k in start..<(start + length) {
            let d = f[k] &- 48
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    private static func parseISO(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let year = number(f, 0, 4), let month = number(f, 5, 2), let day = number(f, 8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        var i = 10
        if i < f.count {
            guard f[i] == UInt8(ascii: "T") || f[i] == UInt8(ascii: " ") || f[i] == UInt8(ascii: "t"),
                  let hour = number(f, i + 1, 2), i + 3 < f.count, f[i + 3] == UInt8(ascii: ":"),
                  let minute = number(f, i + 4, 2), hour < 24, minute < 60 else { return nil }
            seconds += Int64(hour * 3600 + minute * 60)
            i += 6
            if i < f.count, f[i] == UInt8(ascii: ":") {
                guard let second = number(f, i + 1, 2), second <= 60 else { return nil }
                seconds += Int64(second)
                i += 3
                if i < f.count, f[i] == UInt8(ascii: ".") || f[i] == UInt8(ascii: ",") {
                    i += 1
                    let start = i
                    while i < f.count, f[i] &- 48 < 10 { i += 1 }
                    guard i > start else { return nil }
                    if f[start] >= UInt8(ascii: "5") { seconds += 1 }   // round to nearest second
                }
            }
            if i < f.count {
                if f[i] == UInt8(ascii: "Z") || f[i] == UInt8(ascii: "z") {
                    i += 1
                } else if f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-") {
                    let sign: Int64 = f[i] == UInt8(ascii: "+") ? 1 : -1
                    guard let oh = number(f, i + 1, 2) else { return nil }
                    var j = i + 3
                    if j < f.count, f[j] == UInt8(ascii: ":") { j += 1 }
                    guard let om = number(f, j, 2) else { return nil }
                    seconds -= sign * Int64(oh * 3600 + om * 60)
                    i = j + 2
                }
            }
        }
        return i == f.count ? seconds : nil
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// ISO-8601 UTC text (`2013-07-01T12:00:00Z`) of Unix seconds.
    public static func iso8601(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // civil_from_days (Hinnant)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}
