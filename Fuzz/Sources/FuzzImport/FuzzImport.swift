import Forecast
import Store

/// libFuzzer target: every importer format's row parser over one input's bytes, through
/// `TraceImporter.parse` (the code `headroom-trainer import` runs per file, without the store).
///
/// Input layout: byte 0 picks the format (`TraceFormat.allCases[b0 % 7]`), byte 1 the
/// options (bit 0 `--skip-invalid`, bit 1 read the rest as a `.tar` archive, bits 2-3 the
/// file name (which names NAB's metric), bit 4 a prefix, bits 5-7 one of eight epoch /
/// interval / capacity settings, edge values included); the rest is the file.
///
/// Besides crashes (traps, ASan reports), it checks what the importer promises about every
/// sample it would store: a name and timestamp `InputRules` accepts for an import, each
/// value NaN (not measured) or ≥ 0 and within its physical bound.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let format = TraceFormat.allCases[Int(input[0]) % TraceFormat.allCases.count]
    let flags = input[1]
    var options = ImportOptions()
    options.skipInvalid = flags & 1 != 0
    if flags & 0x10 != 0 { options.prefix = "fz/" }
    switch flags >> 5 {
    case 0: break
    case 1: options.epoch = 1_500_000_000; options.intervalSeconds = 60
    case 2: options.epoch = InputRules.importTimestampLimit - 1; options.intervalSeconds = ImportOptions.maximumIntervalSeconds
    case 3: options.intervalSeconds = 1; options.cpuCapacityCores = 96; options.memoryCapacityBytes = 512 * 1_073_741_824
    case 4: options.cpuCapacityCores = InputRules.maximumValue(.cpuCores); options.memoryCapacityBytes = InputRules.maximumValue(.memoryBytes)
    case 5: options.networkCapacityBytesPerSecond = InputRules.maximumValue(.networkReceiveBytesPerSecond); options.epoch = 1_000_000_000
    case 6: options.cpuCapacityCores = 1e-300; options.memoryCapacityBytes = 1e-300; options.networkCapacityBytesPerSecond = 1e-300
    default: options.epoch = 4_000_000_000; options.intervalSeconds = 86_400
    }
    let tar = flags & 2 != 0
    let stems = ["1", "ec2_cpu_utilization_fz", "ec2_network_in_fz", "job_disk_write_bytes"]
    let name = tar ? "fz.tar" : stems[Int(flags >> 2) & 3] + ".csv"
    let files: [TraceImporter.ParsedFile]
    do {
        files = try TraceImporter.parse(Array(input[2...]), name: name, format: format, options: options)
    } catch {
        _ = error.description   // every refusal renders
        return 0
    }
    for file in files {
        for sample in file.samples {
            if let violation = InputRules.nameViolation(sample.workload) {
                fatalError("\(format.rawValue) \(file.label): stored a workload name InputRules refuses: \(violation)")
            }
            if let violation = InputRules.importTimestampViolation(sample.timestamp) {
                fatalError("\(format.rawValue) \(file.label): stored a timestamp InputRules refuses: \(violation)")
            }
            for resource in Resource.allCases {
                let value = sample.usage[resource]
                guard !value.isNaN else { continue }
                if value < 0 { fatalError("\(format.rawValue) \(file.label): stored negative \(resource.snakeCaseName) \(value)") }
                if let violation = InputRules.valueViolation(value, resource: resource) {
                    fatalError("\(format.rawValue) \(file.label): stored a value InputRules refuses: \(violation)")
                }
            }
        }
    }
    return 0
}
