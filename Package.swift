// swift-tools-version:6.1
import PackageDescription

/// Headroom: predicts resource exhaustion and moves the work first.
/// Module map and dependency direction: see DESIGN.md (CBLAS → Forecast → Store → Trainer/Scorer).
let package = Package(
    name: "Headroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "headroom-trainer", targets: ["Trainer"]),
        .executable(name: "headroom-scorer", targets: ["Scorer"]),
        .executable(name: "headroom-bench", targets: ["HeadroomBench"]),
        .executable(name: "headroom-example-aggregate", targets: ["ExampleAggregate"]),
        .executable(name: "agent-bench", targets: ["AgentBench"]),
        .executable(name: "headroom-agent", targets: ["AgentCommand"]),
        .executable(name: "headroom-launch", targets: ["Launch"]),
        .library(name: "Forecast", targets: ["Forecast"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Resources", targets: ["Resources"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Decisions", targets: ["Decisions"]),
        .library(name: "Agent", targets: ["Agent"]),
        .library(name: "HeadroomTrace", targets: ["HeadroomTrace"]),
        /// The scorer's request-body parsers, a library so that the fuzz targets (Fuzz/) reach them.
        .library(name: "ScorerIntake", targets: ["ScorerIntake"]),
        /// Prometheus remote write and mapping, a library so that the fuzz targets reach it.
        .library(name: "PrometheusIngest", targets: ["PrometheusIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
    ],
    targets: [
        /// OpenBLAS (CBLAS interface) and LAPACKE, from libopenblas-dev and liblapacke-dev.
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        /// Snappy's C interface (`snappy-c.h`), from libsnappy-dev: the block format Prometheus
        /// remote write compresses its bodies with.
        .systemLibrary(
            name: "CSnappy",
            path: "Sources/CSnappy",
            providers: [.apt(["libsnappy-dev"])]
        ),
        /// Prometheus as a source: remote-write bodies (snappy + protobuf `WriteRequest`, the
        /// generated prompb messages), the mapping file from series to workloads and resources,
        /// counters turned into rates, and `query_range` answers. Pure: bytes and text in,
        /// rows out; the scorer and the trainer do the I/O.
        .target(
            name: "PrometheusIngest",
            dependencies: ["Resources", "CSnappy",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "TOMLKit", package: "TOMLKit")],
            exclude: ["Proto/remote_write.proto", "Proto/remote_write_v2.proto"]
        ),
        /// The fixed resource vector (`Resource`, `ResourceVector`), re-exported by Forecast;
        /// its own target so that the agent can use it without linking BLAS.
        .target(name: "Resources"),
        /// The agent ↔ scorer protocol: one `Codable` type per HTTP body (sample batches with
        /// their trace events, the command list, command reports), decoded strictly with errors
        /// naming the field. Foundation and Resources only, so both ends (and the fuzz targets)
        /// link it without the other's dependencies.
        .target(name: "Wire", dependencies: ["Resources"]),
        /// The fleet file's one strict TOML reader (`TOMLFields`, errors naming file and key)
        /// and its shared `[[pops]]`/`[[links]]` sections, read by the agent and the scorer.
        /// Apart from `Wire` so that the protocol does not link TOMLKit's C++.
        .target(name: "FleetFile", dependencies: ["Resources", .product(name: "TOMLKit", package: "TOMLKit")]),
        /// SVG/HTML pieces shared by the trainer's and the scorer's reports.
        .target(name: "Reports"),
        /// The LSTM's elementwise kernels in C (AVX-512 / AVX2+FMA / portable, picked at run time), used
        /// by Forecast's LSTM. Optimised in debug builds too, like Forecast.
        .target(name: "CLSTMKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        /// The pure numeric core: matrices over BLAS/LAPACK, models, metrics, codecs. No I/O.
        .target(
            name: "Forecast",
            dependencies: ["CBLAS", "CLSTMKernels", "Resources", .product(name: "Crypto", package: "swift-crypto")],
            // The numeric kernels are optimised in debug builds too, so the test suite can
            // train and backtest real models in seconds (release builds are -O anyway).
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        /// The store (SQLite through GRDB, or PostgreSQL through PostgresNIO), migrations,
        /// records, trace importers.
        .target(
            name: "Store",
            dependencies: [
                "Forecast", "Wire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// The model families as the trainer writes and the scorer loads them: fit glue per
        /// family, the file codec of each, a loaded version and the forecasters over it.
        .target(
            name: "Models",
            dependencies: ["Forecast", "Store"]
        ),
        /// The monitoring agent's library: parsers and readers of /proc and cgroup v1/v2 files,
        /// process-tree and cgroup counter sources, and the sampler that turns two counter
        /// snapshots into a `ResourceVector` of rates.
        /// Also the local POP runtime (cgroups, network namespaces, posix_spawn through
        /// `headroom-launch`), the agent's fleet-file section, the executors and their journal.
        .target(
            name: "Agent",
            dependencies: ["Resources", "Wire", "FleetFile", "CAgentBPF", .product(name: "TOMLKit", package: "TOMLKit"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        /// The bpf(2) calls behind the agent's eBPF task iterator (a C shim: bpf(2) has no
        /// libc wrapper and Swift cannot call the variadic syscall(2)).
        .target(name: "CAgentBPF"),
        /// The client library instrumented workloads link to send span and phase events to
        /// the agent over a Unix socket (docs/trace-protocol.md). Foundation/Glibc only.
        .target(name: "HeadroomTrace"),
        /// `headroom-launch`: the agent's pre-exec step (join the cgroups, enter the netns, exec).
        .executableTarget(name: "Launch"),
        .executableTarget(
            name: "Trainer",
            dependencies: [
                "Forecast", "Store", "Models", "Decisions", "Reports", "PrometheusIngest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// Deciding: the online scoring core, the decision engine, placement, migration cost,
        /// the journal's types, the fleet, the replay's steps and policies. No SQL (the
        /// store's typed API), no HTTP, no files.
        .target(
            name: "Decisions",
            dependencies: ["Forecast", "Store", "Models", "Wire", "FleetFile"]
        ),
        /// The scorer's strict parser of `POST /v1/samples` bodies (`SampleBatch`, its
        /// `InputRules` checks and trace events): pure parsing, no service state, so the fuzz
        /// targets in Fuzz/ can drive it.
        .target(
            name: "ScorerIntake",
            dependencies: ["Forecast", "Store", "Wire", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(
            name: "Scorer",
            dependencies: [
                "Forecast", "Store", "Models", "Decisions", "Reports", "ScorerIntake", "PrometheusIngest", "Wire", "FleetFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        /// An example workload: aggregates Bitbrains traces, grows its memory, checkpoints on
        /// SIGUSR1 and resumes, splits by file range (docs/checkpoint-protocol.md).
        .executableTarget(name: "ExampleAggregate", dependencies: ["HeadroomTrace"], path: "Sources/ExampleAggregate"),
        /// Benchmarks (not tests): `swift run -c release headroom-bench arima|lstm|hmm|risk|tick`.
        .executableTarget(
            name: "HeadroomBench",
            dependencies: ["Forecast", "Store", "Models", "Decisions", "ScorerIntake", "PrometheusIngest",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
        /// `headroom-agent`: `sample --pid N | --cgroup PATH`, and `run --config FILE` (the local POPs,
        /// their workloads, samples to the scorer and its commands executed).
        .executableTarget(
            name: "AgentCommand",
            dependencies: ["Agent", "Resources", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        /// The agent sampler's CPU cost beside psutil (not a test): bench/agent/run.sh.
        .executableTarget(
            name: "AgentBench",
            dependencies: ["Agent", "Resources"]
        ),
        .testTarget(name: "ForecastTests", dependencies: ["Forecast"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScorerTests", dependencies: [
            "Scorer", "ScorerIntake", "PrometheusIngest", "Decisions", "Models", "Store", "Forecast", "HeadroomTestSupport", "Wire", "FleetFile", "Resources", "Agent",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        /// What the test targets share to drive the executables as child processes.
        .target(name: "HeadroomTestSupport", path: "Tests/HeadroomTestSupport"),
        .testTarget(name: "WorkloadTests", dependencies: ["ExampleAggregate", "HeadroomTestSupport"]),
        .testTarget(name: "DecisionsTests", dependencies: ["Decisions", "Forecast", "Models", "Store"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Forecast", "Store", "Wire"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Forecast", "Wire", "HeadroomTestSupport"]),
        /// Every body through both ends (the agent's encoding, the scorer's strict decoding) and
        /// the fleet file's shared reader.
        .testTarget(name: "WireTests", dependencies: ["Wire", "FleetFile", "ScorerIntake", "Agent", "Decisions", "Resources",
                                                      .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "AgentCommand", "Resources", "HeadroomTrace", "HeadroomTestSupport", "Launch", "ExampleAggregate"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PrometheusIngestTests", dependencies: ["PrometheusIngest", "Resources"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "Store", "Models", "Forecast", "Resources", "HeadroomTestSupport", "Wire"]),
    ],
    swiftLanguageModes: [.v6]
)
