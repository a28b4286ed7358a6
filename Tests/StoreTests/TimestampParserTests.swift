import Testing
@testable import Store

@Suite("TimestampParser")
struct TimestampParserTests {
    // Expected values from Python: calendar.timegm(datetime(...).timetuple()).
    @Test("ISO-8601 forms and Unix seconds", arguments: [
        ("2014-02-14 14:30:00", Int64(1_392_388_200)),
        ("2014-02-14T14:30:00Z", 1_392_388_200),
        ("2014-02-14T15:30:00+01:00", 1_392_388_200),
        ("2014-02-14T09:30:00-0500", 1_392_388_200),
        ("2014-02-14T14:30", 1_392_388_200),
        ("2014-02-14T14:29:59.6Z", 1_392_388_200),
        ("2013-07-01", 1_372_636_800),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("1372629804", 1_372_629_804),
        ("386640.0", 386_640),
        ("-86400", -86_400),
    ])
    func parses(_ text: String, _ expected: Int64) {
        #expect(TimestampParser.parse(text) == expected, "\(text)")
    }

    @Test("rejects malformed times", arguments: ["", "yesterday", "2014-13-01", "2014-02-14T25:00", "2014-02-14X14:30", "2014-02-14T14:30:00Q", "12:00"])
    func rejects(_ text: String) {
        #expect(TimestampParser.parse(text) == nil, "\(text)")
    }

    @Test("iso8601 is the inverse of parse")
    func roundTrip() {
        for seconds: Int64 in [0, 1, 59, 86_399, 86_400, 951_782_400, 1_392_388_200, 4_102_444_800, -1, -86_401] {
            #expect(TimestampParser.parse(TimestampParser.iso8601(seconds)) == seconds)
        }
        #expect(TimestampParser.iso8601(1_392_388_200) == "2014-02-14T14:30:00Z")
    }
}
