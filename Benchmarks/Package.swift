// swift-tools-version: 6.1
// PrivacyKernel benchmarks — a nested package so that package-benchmark and its
// dependencies never slow down `swift build` / `swift test` of the main package.
//
// Run (from this folder):
//   swift package --disable-sandbox benchmark --no-progress
//   swift run -c release pk-bench-probe --help
// See README.md for what each benchmark measures and the peer comparison (peers/run-peers.sh).
import PackageDescription

/// Benchmark targets are leaves: unsafe flags are allowed here (never on a library).
/// Cross-module optimisation lets the kernels specialise and inline into the benchmark bodies.
let leafSwiftSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "PrivacyKernelBenchmarks",
    // macOS 15 for Synchronization.Mutex in the benchmark bodies (Linux has no platform floor).
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "PrivacyKernel", path: ".."),
        // The MallocInterposer trait is required on this machine (without it, resolution
        // looks for a package that is not available here). See README.md.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Shared helpers (data-file lookup, timing, JSON lines). Kept free of unsafe flags.
        .target(
            name: "BenchSupport",
            path: "Sources/BenchSupport"
        ),

        // package-benchmark suites: one executable per area, under Benchmarks/<Name>/.
        .executableTarget(
            name: "TabularBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Benchmarks/TabularBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),

        .executableTarget(
            name: "DPBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DifferentialPrivacy", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Benchmarks/DPBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Paillier-2048 (SecureAggregation): fast and plain encryption, CRT decryption, addition.
        .executableTarget(
            name: "PaillierBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Paillier", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
            ],
            path: "Benchmarks/PaillierBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),

        // package-benchmark suite of the anonymity module (Adult from ../shared/datasets/adult).
        .executableTarget(
            name: "AnonymityBenchmarks",
            dependencies: [
                "AnonymityBenchData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Anonymity", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Benchmarks/AnonymityBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Adult and its hierarchies for the anonymity suite and probe. Kept free of unsafe flags.
        .target(
            name: "AnonymityBenchData",
            dependencies: [
                "BenchSupport",
                .product(name: "Anonymity", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Sources/AnonymityBenchData"
        ),
        // Our side of the same-run anonymity comparison (peers/run-anonymity-peers.sh).
        .executableTarget(
            name: "pk-bench-anonymity",
            dependencies: [
                "AnonymityBenchData", "BenchSupport",
                .product(name: "Anonymity", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-anonymity",
            swiftSettings: leafSwiftSettings
        ),
        // Our side of the same-run Paillier comparison (peers/run-paillier-peers.sh), JSON lines.
        .executableTarget(
            name: "pk-bench-paillier",
            dependencies: [
                "BenchSupport",
                .product(name: "Paillier", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-paillier",
            swiftSettings: leafSwiftSettings
        ),

        // package-benchmark suite of the privacy ledger: per-release overhead, p50 and p99.
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DifferentialPrivacy", package: "PrivacyKernel"),
                .product(name: "PrivacyLedger", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),

        // A plain release executable that prints JSON lines for the same-run peer comparison
        // (peers/run-peers.sh). It does not depend on package-benchmark.
        // Load generator for the platform service (scripts/service-load.sh): N concurrent
        // operators, signed requests, releases/s and p50/p99.
        .executableTarget(
            name: "pk-service-load",
            dependencies: [
                .product(name: "PlatformService", package: "PrivacyKernel"),
                .product(name: "PrivacyLedger", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-service-load",
            swiftSettings: leafSwiftSettings
        ),
        .executableTarget(
            name: "pk-bench-probe",
            dependencies: [
                "BenchSupport",
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-probe",
            swiftSettings: leafSwiftSettings
        ),

        // The differential-privacy side of the same-run peer comparison (peers/run-dp-peers.sh).
        .executableTarget(
            name: "pk-bench-dp",
            dependencies: [
                "BenchSupport",
                .product(name: "DifferentialPrivacy", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-dp",
            swiftSettings: leafSwiftSettings
        ),

        // Accountants versus Google's dp-accounting (peers/run-accounting-peers.sh).
        .executableTarget(
            name: "pk-accounting-probe",
            dependencies: [
                "BenchSupport",
                .product(name: "DifferentialPrivacy", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-accounting-probe",
            swiftSettings: leafSwiftSettings
        ),

        // Secure aggregation: package-benchmark suite and the same-run probe (peers/run-secagg-peers.sh).
        .executableTarget(
            name: "SecAggBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SecureAggregation", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/SecAggBenchmarks",
            swiftSettings: leafSwiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "pk-bench-secagg",
            dependencies: [
                "BenchSupport",
                .product(name: "SecureAggregation", package: "PrivacyKernel"),
                .product(name: "SecureRandom", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-secagg",
            swiftSettings: leafSwiftSettings
        ),
        // Private learning versus diffprivlib (peers/run-learning-peers.sh).
        .executableTarget(
            name: "pk-bench-learning",
            dependencies: [
                "BenchSupport",
                .product(name: "DifferentialPrivacy", package: "PrivacyKernel"),
                .product(name: "PrivateLearning", package: "PrivacyKernel"),
                .product(name: "Tabular", package: "PrivacyKernel"),
            ],
            path: "Sources/pk-bench-learning",
            swiftSettings: leafSwiftSettings
        ),
    ]
)
