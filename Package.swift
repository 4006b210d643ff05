// swift-tools-version: 6.1
// PrivacyKernel — differential privacy, anonymity and secure aggregation kernels
// for public-data platforms where raw data never leaves the domain.
// Layering: see ../shared/DESIGN.md and the README's tour of modules.
import PackageDescription

/// Leaf targets only (executables, tests) may carry unsafe flags; libraries never do.
let leafSwiftSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "PrivacyKernel",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tabular", targets: ["Tabular"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "SecureRandom", targets: ["SecureRandom"]),
        .library(name: "PrivacyAccounting", targets: ["PrivacyAccounting"]),
        .library(name: "DifferentialPrivacy", targets: ["DifferentialPrivacy"]),
        .library(name: "Anonymity", targets: ["Anonymity"]),
        .library(name: "SecureAggregation", targets: ["SecureAggregation"]),
        .library(name: "Paillier", targets: ["Paillier"]),
        .library(name: "SecureAggregationTransport", targets: ["SecureAggregationTransport"]),
        .library(name: "PrivacyLedger", targets: ["PrivacyLedger"]),
        .library(name: "PrivateLearning", targets: ["PrivateLearning"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        .library(name: "ReportRendering", targets: ["ReportRendering"]),
        .library(name: "PlatformService", targets: ["PlatformService"]),
        .executable(name: "privacy-kernel", targets: ["privacy-kernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The ledger's second engine (issue 15): PostgreSQL through postgres-nio (TLS through swift-nio-ssl).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The platform service (issue 15): HTTP server, structured logs, metrics, graceful shutdown.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Documentation only (`swift package generate-documentation`); nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System-library shims (DESIGN.md layer 0).
        .systemLibrary(name: "CGMP", pkgConfig: "gmp", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // getrandom(2) is not in Glibc's module map; this tiny C target declares it.
        .target(name: "CSystemRandom"),
        // Inline helpers Swift cannot express: software prefetch and SSE2 byte-match masks.
        .target(name: "CSIMD"),

        .target(name: "Tabular", dependencies: ["CSIMD"]),
        .target(name: "Datasets", dependencies: ["Tabular"]),
        .target(
            name: "SecureRandom",
            dependencies: [
                "CSystemRandom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Privacy events, accountants, budgets and the budget-store seam with its package-internal
        // gate: below DifferentialPrivacy and SecureAggregation, so both charge through it.
        .target(name: "PrivacyAccounting", dependencies: ["SecureRandom"]),
        .target(name: "DifferentialPrivacy", dependencies: ["PrivacyAccounting", "Tabular", "SecureRandom"]),
        .target(name: "Anonymity", dependencies: ["Tabular"]),
        // Paillier encryption on GMP: BigInteger is the only user of CGMP.
        .target(name: "Paillier", dependencies: ["SecureRandom", "CGMP", "Tabular"]),
        .target(
            name: "SecureAggregation",
            dependencies: [
                "PrivacyAccounting", "SecureRandom", "Tabular",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Networking for secure aggregation (parties and server as separate processes);
        // kept out of SecureAggregation so the protocol core stays free of I/O.
        .target(
            name: "SecureAggregationTransport",
            dependencies: [
                "SecureAggregation", "SecureRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Durable budget ledger, authorisations and the hash-chained audit log (SQLite via GRDB).
        .target(
            name: "PrivacyLedger",
            dependencies: [
                "DifferentialPrivacy", "Anonymity", "Tabular", "SecureRandom",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // DP linear and logistic regression on OpenBLAS (CBLAS + LAPACK dsyev).
        .target(name: "PrivateLearning", dependencies: ["DifferentialPrivacy", "SecureRandom", "Tabular", "COpenBLAS"]),
        // The plan's domain models (tables + context → report, a data model of released values).
        .target(
            name: "Scenarios",
            dependencies: ["Tabular", "Datasets", "DifferentialPrivacy", "Anonymity", "SecureAggregation", "PrivacyLedger", "PrivateLearning"]
        ),
        // Presentation of reports: report.json, CSV per section, self-contained HTML with SVG charts.
        .target(name: "ReportRendering", dependencies: ["Scenarios", "PrivacyLedger"]),
        // The enclave as a server (DESIGN.md: PlatformService): signed requests verified by the
        // ledger, registered datasets only under its data root, releases only through the gate.
        .target(
            name: "PlatformService",
            dependencies: [
                "Tabular", "DifferentialPrivacy", "Anonymity", "PrivacyLedger", "PrivateLearning", "Scenarios",
                "ReportRendering", "SecureRandom", "SecureAggregation", "SecureAggregationTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The commands as a library (parsed in tests and by the fuzzer without a process) and
        // the executable that runs them.
        .target(
            name: "PrivacyKernelCLI",
            dependencies: [
                "Tabular", "Datasets", "SecureRandom", "PrivacyAccounting", "DifferentialPrivacy", "Anonymity", "SecureAggregation",
                "SecureAggregationTransport", "Paillier",
                "PrivacyLedger", "Scenarios", "ReportRendering", "PlatformService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: leafSwiftSettings
        ),
        .executableTarget(
            name: "privacy-kernel",
            dependencies: ["PrivacyKernelCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: leafSwiftSettings
        ),

        // Helpers every test target shares (the built binary, the shared datasets, the sanitizer
        // switches); not a product, no library depends on it.
        .target(name: "_TestSupport", dependencies: ["PrivacyLedger"], path: "Tests/_TestSupport"),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CGMP", "COpenBLAS"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["PrivacyKernelCLI", "PrivacyLedger", "DifferentialPrivacy", "_TestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "_TestSupport"], swiftSettings: leafSwiftSettings),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Tabular"], swiftSettings: leafSwiftSettings),
        .testTarget(name: "SecureRandomTests", dependencies: ["SecureRandom", .product(name: "Crypto", package: "swift-crypto"),
                                                            .product(name: "_CryptoExtras", package: "swift-crypto")], swiftSettings: leafSwiftSettings),
        .testTarget(
            name: "PrivacyAccountingTests",
            dependencies: ["PrivacyAccounting", "SecureRandom"],
            resources: [.copy("Fixtures")],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(
            name: "DifferentialPrivacyTests",
            dependencies: ["DifferentialPrivacy", "SecureRandom", "Tabular", "_TestSupport"],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(name: "AnonymityTests", dependencies: ["Anonymity", "Tabular", "_TestSupport"], swiftSettings: leafSwiftSettings),
        .testTarget(
            name: "PrivacyLedgerTests",
            dependencies: ["PrivacyLedger", "ReportRendering", "DifferentialPrivacy", "SecureAggregation", "SecureRandom", "Tabular", "_TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(
            name: "PrivateLearningTests",
            dependencies: ["PrivateLearning", "DifferentialPrivacy", "SecureRandom", "Tabular", "_TestSupport"],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["Scenarios", "ReportRendering", "PrivacyLedger", "DifferentialPrivacy", "Tabular", "Datasets", "_TestSupport"],
            swiftSettings: leafSwiftSettings
        ),
        // Black-box DP auditor (issue 13): statistical lower bounds on ε for every release path,
        // through the public API and the CLI. Test code only: no library depends on it.
        .testTarget(
            name: "DPAuditTests",
            dependencies: ["DifferentialPrivacy", "SecureRandom", "Tabular", "PrivateLearning", "SecureAggregation",
                           "Scenarios", "PrivacyLedger", "Datasets", "_TestSupport"],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(
            name: "SecureAggregationTests",
            dependencies: ["SecureAggregation", "SecureAggregationTransport", "SecureRandom", "_TestSupport", "DifferentialPrivacy", "PrivacyAccounting", "Tabular",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(
            name: "PlatformServiceTests",
            dependencies: [
                "PlatformService", "PrivacyLedger", "_TestSupport", "SecureAggregation", "SecureAggregationTransport",
                "SecureRandom", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: leafSwiftSettings
        ),
        .testTarget(name: "PaillierTests", dependencies: ["Paillier", "SecureRandom", "CGMP", "_TestSupport"], swiftSettings: leafSwiftSettings),
    ]
)

// Fuzz targets (docs/fuzzing.md): one libFuzzer executable, built only when
// PRIVACYKERNEL_FUZZ=1 (scripts/fuzz.sh and scripts/sanitize.sh set it, with AddressSanitizer,
// libFuzzer's coverage instrumentation and their own scratch paths), so ordinary builds and
// tests never see it. The executable owns `main` and links libFuzzer's no-main archive, whose
// path the scripts pass in PRIVACYKERNEL_FUZZER_LIBRARY; the test binary of the same build is
// instrumented alike but does not link libFuzzer, so one sanitized build serves both.
if Context.environment["PRIVACYKERNEL_FUZZ"] == "1" {
    let fuzzerLibrary = Context.environment["PRIVACYKERNEL_FUZZER_LIBRARY"]
    package.targets += [
        .target(name: "CFuzzerDriver", path: "Fuzz/Sources/CFuzzerDriver"),
        .executableTarget(
            name: "privacy-kernel-fuzz",
            dependencies: [
                "CFuzzerDriver", "Tabular", "Anonymity", "SecureRandom", "SecureAggregation", "Paillier",
                "SecureAggregationTransport", "PrivacyLedger", "PrivacyKernelCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Fuzz/Sources/privacy-kernel-fuzz",
            linkerSettings: fuzzerLibrary.map { [.unsafeFlags(["-Xlinker", $0]), .linkedLibrary("stdc++")] } ?? []
        ),
    ]
    package.products += [.executable(name: "privacy-kernel-fuzz", targets: ["privacy-kernel-fuzz"])]
}

// Every import is internal unless it says otherwise (`public import X` where a public
// declaration needs X's types), so no module leaks its dependencies into its clients' scope.
for target in package.targets where target.type != .system && !target.name.hasPrefix("C") {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
