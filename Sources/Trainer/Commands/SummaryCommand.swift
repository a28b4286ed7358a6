import Models
import ArgumentParser
import Foundation
import Store

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Prints what the store holds, per trace source.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let database = try HeadroomStore(location: store.databasePath)
        let summary = try database.summary()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("store \(database.path ?? store.databasePath): \(summary.workloads) workloads, \(summary.samples) samples, \(summary.importedFiles) files imported")
        let header = "source".padding(toLength: 20, withPad: " ", startingAt: 0) + "workloads   samples  from                  to"
        print(header)
        for s in summary.bySource {
            let from = s.firstTimestamp.map(TimestampParser.iso8601) ?? "-"
            let to = s.lastTimestamp.map(TimestampParser.iso8601) ?? "-"
            print(s.source.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(s.workloads).leftPadded(9) + String(s.samples).leftPadded(10) + "  " + from + "  " + to)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
