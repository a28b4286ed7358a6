import Models
import ArgumentParser
import Foundation
import Store

struct LimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Sets workload limits from a CSV (workload,cpu_cores,memory_bytes,…; empty = no limit).")

    @OptionGroup var store: StoreOptions

    @Option(help: "The limits CSV; header: \(LimitsImporter.header.joined(separator: ",")).")
    var file: String

    func run() throws {
        let database = try HeadroomStore(location: store.databasePath)
        do {
            let count = try LimitsImporter.apply(file: file, to: database)
            print("limits set for \(count) workload(s)")
        } catch let error as ImportError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        } catch let error as InputError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
