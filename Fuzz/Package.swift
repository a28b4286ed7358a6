// swift-tools-version:6.1
import PackageDescription

/// Coverage-guided fuzz targets (libFuzzer) for Headroom's parsers of untrusted bytes.
/// A separate package so that the main package, its tests and CI are unaffected; build and
/// run with `scripts/fuzz.sh` (RELIABILITY.md). Each target is an executable whose entry
/// point is `LLVMFuzzerTestOneInput`; libFuzzer provides `main` (`-sanitize=fuzzer`).
let package = Package(
    name: "HeadroomFuzz",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fuzz-import", targets: ["FuzzImport"]),
        .executable(name: "fuzz-sample-batch", targets: ["FuzzSampleBatch"]),
        .executable(name: "fuzz-safetensors", targets: ["FuzzSafetensors"]),
        .executable(name: "fuzz-remote-write", targets: ["FuzzRemoteWrite"]),
    ],
    dependencies: [
        .package(name: "Headroom", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        /// `<Module>_main` for each target, handing over to libFuzzer's driver (driver.c).
        .target(name: "FuzzDriver"),
        /// Every importer format's row parser, over the input as one file's lines.
        .executableTarget(name: "FuzzImport", dependencies: ["FuzzDriver", .product(name: "Store", package: "Headroom")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        /// The scorer's `POST /v1/samples` body parser.
        .executableTarget(name: "FuzzSampleBatch", dependencies: ["FuzzDriver", .product(name: "ScorerIntake", package: "Headroom"),
                                                                  .product(name: "Hummingbird", package: "hummingbird")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        /// The safetensors reader and the model families' validation of a decoded file.
        .executableTarget(name: "FuzzSafetensors", dependencies: ["FuzzDriver", .product(name: "Forecast", package: "Headroom"),
                                                                  .product(name: "Models", package: "Headroom")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        /// Prometheus remote write: snappy, protobuf `WriteRequest`, the series assembler.
        .executableTarget(name: "FuzzRemoteWrite", dependencies: ["FuzzDriver", .product(name: "PrometheusIngest", package: "Headroom")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
