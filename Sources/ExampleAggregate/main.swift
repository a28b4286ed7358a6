import Foundation
import HeadroomTrace

// headroom-example-aggregate: an example workload that behaves like a real batch job.
//
// It aggregates Bitbrains VM traces (the bundled `datasets/` format: `;\t`-separated CSVs)
// into exact per-file statistics — rows, mean/p50/p95/max CPU usage (MHz) and memory usage
// (KB) — and keeps every value in memory to compute the exact percentiles, so its resident
// memory grows as it works (`--hold-bytes-per-row` adds a fixed amount per row, to make the
// growth as steep as a test needs). It supports:
//
// * the cooperative checkpoint protocol (docs/checkpoint-protocol.md): on SIGUSR1 it
//   finishes the row it is on, writes its whole state to `--checkpoint-dir` (a temporary
//   name, fsync, rename: never half-written) and exits with status 85; started again with
//   `--resume` it continues from that state. The output is byte-identical to an
//   uninterrupted run's, however often it is interrupted.
// * partitioning: `--range START:END` processes only the files with those indices (in the
//   sorted input list); the outputs of a partition's ranges, concatenated in range order,
//   are byte-identical to the whole run's output.
//
// * execution traces (docs/trace-protocol.md): when HEADROOM_TRACE_SOCKET names the agent's
//   socket it reports a `phase` per input file (`read:<file>`, then `summarise`), a `loop`
//   event every 1,000 rows and a `checkpoint` phase; without it the calls do nothing.
//
// Usage: headroom-example-aggregate --output FILE [--checkpoint-dir DIR] [--resume]
//        [--range START:END] [--hold-bytes-per-row N] [--pace-rows N --pace-ms MS] INPUT...
// (INPUT: CSV files or directories of them.)

let checkpointExitStatus: Int32 = 85

struct Options {
    var inputs: [String] = []
    var output = ""
    var checkpointDirectory: String?
    var resume = false
    var range: Range<Int>?
    var holdBytesPerRow = 0
    var paceRows = 0
    var paceMilliseconds = 0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("headroom-example-aggregate: \(message)\n".utf8))
    exit(64)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var i = 0
    func value(_ name: String) -> String {
        i += 1
        guard i < arguments.count else { fail("\(name) needs a value") }
        return arguments[i]
    }
    while i < arguments.count {
        let argument = arguments[i]
        switch argument {
        case "--output": options.output = value(argument)
        case "--checkpoint-dir": options.checkpointDirectory = value(argument)
        case "--resume": options.resume = true
        case "--range":
            let parts = value(argument).split(separator: ":").map { Int($0) }
            guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, b >= a else { fail("--range expects START:END with 0 ≤ START ≤ END") }
            options.range = a..<b
        case "--hold-bytes-per-row":
            guard let n = Int(value(argument)), n >= 0 else { fail("--hold-bytes-per-row expects an integer ≥ 0") }
            options.holdBytesPerRow = n
        case "--pace-rows":
            guard let n = Int(value(argument)), n >= 0 else { fail("--pace-rows expects an integer ≥ 0") }
            options.paceRows = n
        case "--pace-ms":
            guard let n = Int(value(argument)), n >= 0 else { fail("--pace-ms expects an integer ≥ 0") }
            options.paceMilliseconds = n
        default:
            if argument.hasPrefix("--") { fail("unknown option \(argument)") }
            options.inputs.append(argument)
        }
        i += 1
    }
    if options.output.isEmpty { fail("--output FILE is required") }
    if options.inputs.isEmpty { fail("give at least one input CSV file or directory") }
    if options.resume && options.checkpointDirectory == nil { fail("--resume needs --checkpoint-dir") }
    return options
}

/// Every CSV under the inputs, sorted by path: the work list whose indices `--range` uses.
func inputFiles(_ inputs: [String]) -> [String] {
    var files: [String] = []
    for input in inputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else { fail("no such input: \(input)") }
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(atPath: input)
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".csv") { files.append((input as NSString).appendingPathComponent(relative)) }
            }
        } else {
            files.append(input)
        }
    }
    return files.sorted()
}

/// The job's whole state: where it is and everything it has accumulated.
struct State: Codable {
    var fileIndex: Int
    var rowIndex: Int
    /// Per finished file, its output line.
    var lines: [String]
    /// The current file's values so far.
    var cpu: [Double]
    var memory: [Double]
    /// Rows processed in all files so far (the memory held is rebuilt from it on resume).
    var rowsDone: Int
}

func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}

func summaryLine(file: String, cpu: [Double], memory: [Double]) -> String {
    let c = cpu.sorted(), m = memory.sorted()
    func f(_ v: Double) -> String { String(format: "%.3f", v) }
    let name = (file as NSString).lastPathComponent
    let parent = ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent
    return "\(parent)/\(name) rows=\(cpu.count) cpu_mhz_mean=\(f(c.reduce(0, +) / Double(max(c.count, 1)))) cpu_mhz_p50=\(f(quantile(c, 0.5))) "
        + "cpu_mhz_p95=\(f(quantile(c, 0.95))) cpu_mhz_max=\(f(c.last ?? .nan)) mem_kb_mean=\(f(m.reduce(0, +) / Double(max(m.count, 1)))) "
        + "mem_kb_p95=\(f(quantile(m, 0.95))) mem_kb_max=\(f(m.last ?? .nan))"
}

func writeAtomically(_ data: Data, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else { throw CocoaError(.fileWriteUnknown) }
    let fd = open(temporary, O_RDONLY)
    if fd >= 0 { fsync(fd); close(fd) }
    guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

// MARK: - Run

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
let all = inputFiles(options.inputs)
let work = options.range.map { Array(all[min($0.lowerBound, all.count)..<min($0.upperBound, all.count)]) } ?? all
let checkpointPath = options.checkpointDirectory.map { ($0 as NSString).appendingPathComponent("state.json") }

var state = State(fileIndex: 0, rowIndex: 0, lines: [], cpu: [], memory: [], rowsDone: 0)
if options.resume, let checkpointPath {
    guard let data = FileManager.default.contents(atPath: checkpointPath) else { fail("--resume: no checkpoint at \(checkpointPath)") }
    do { state = try JSONDecoder().decode(State.self, from: data) } catch { fail("--resume: \(checkpointPath) is not a checkpoint: \(error)") }
}

// SIGUSR1 asks for a checkpoint; it is taken between rows (the flag is polled).
nonisolated(unsafe) var checkpointRequested: sig_atomic_t = 0
signal(SIGUSR1) { _ in checkpointRequested = 1 }
// A launcher may hand down a mask that blocks SIGUSR1 (a blocked signal is never delivered).
var unblock = sigset_t()
sigemptyset(&unblock)
sigaddset(&unblock, SIGUSR1)
sigprocmask(SIG_UNBLOCK, &unblock, nil)

/// Memory held per row (`--hold-bytes-per-row`), touched so it is resident; rebuilt on resume.
var held: [[UInt8]] = []
@MainActor func hold(rows: Int) {
    guard options.holdBytesPerRow > 0 else { return }
    for _ in 0..<rows { held.append([UInt8](repeating: 1, count: options.holdBytesPerRow)) }
}
hold(rows: state.rowsDone)

@MainActor func checkpointAndExit() -> Never {
    Tracer.fromEnvironment().phase("checkpoint")
    guard let checkpointPath, let directory = options.checkpointDirectory else {
        fail("SIGUSR1 received but no --checkpoint-dir was given: cannot checkpoint")
    }
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try writeAtomically(try JSONEncoder().encode(state), to: checkpointPath)
    } catch {
        fail("could not write the checkpoint to \(checkpointPath): \(error)")
    }
    exit(checkpointExitStatus)
}

let tracer = Tracer.fromEnvironment()
var rowsSincePace = 0
while state.fileIndex < work.count {
    let file = work[state.fileIndex]
    tracer.phase("read:" + ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent + "/" + (file as NSString).lastPathComponent)
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { fail("cannot read \(file)") }
    var row = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst() {  // header
        defer { row += 1 }
        if row < state.rowIndex { continue }
        if checkpointRequested != 0 { checkpointAndExit() }
        let fields = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 7, let cpu = Double(fields[3]), let memory = Double(fields[6]) else {
            fail("\(file):\(row + 2): expected at least 7 ;-separated fields with CPU usage [MHZ] and Memory usage [KB]")
        }
        state.cpu.append(cpu)
        state.memory.append(memory)
        state.rowIndex = row + 1
        state.rowsDone += 1
        if state.rowsDone % 1000 == 0 { tracer.loop("rows", index: state.rowsDone) }
        hold(rows: 1)
        if options.paceRows > 0 {
            rowsSincePace += 1
            if rowsSincePace >= options.paceRows {
                rowsSincePace = 0
                usleep(UInt32(options.paceMilliseconds * 1000))
            }
        }
    }
    if checkpointRequested != 0 { checkpointAndExit() }
    tracer.phase("summarise")
    state.lines.append(summaryLine(file: file, cpu: state.cpu, memory: state.memory))
    state.fileIndex += 1
    state.rowIndex = 0
    state.cpu = []
    state.memory = []
}
do {
    try writeAtomically(Data((state.lines.map { $0 + "\n" }.joined()).utf8), to: options.output)
} catch {
    fail("cannot write \(options.output): \(error)")
}
