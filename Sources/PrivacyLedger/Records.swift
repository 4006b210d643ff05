public import DifferentialPrivacy
public import Foundation

/// A column's classification level, which decides what a release of it needs.
///
/// - 1 `open`: public data; any release.
/// - 2 `internal`: released through the gates (DP or a checked export).
/// - 3 `sensitive`: only through differential privacy or a k-anonymity-checked export.
/// - 4 `restricted`: never leaves the platform, in any form.
///
/// Every release path of this module is a DP release or a checked export, so levels 1–3 are
/// allowed through them and level 4 is refused everywhere.
public enum ClassificationLevel: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case open = 1
    case `internal` = 2
    case sensitive = 3
    case restricted = 4

    /// Levels order by sensitivity.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// `"1 (open)"` and so on.
    public var description: String { "\(rawValue) (\(name))" }

    /// `open`, `internal`, `sensitive` or `restricted`.
    public var name: String {
        switch self {
        case .open: "open"
        case .internal: "internal"
        case .sensitive: "sensitive"
        case .restricted: "restricted"
        }
    }
}

/// An authorisation's life-cycle status. Expiry is not a status: it follows from the
/// validity window and the clock.
public enum AuthorisationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Usable within its validity window.
    case active
    /// Refused until resumed (the agreement was breached).
    case suspended
    /// Final: refused for ever; the operator's derived data has been deleted.
    case terminated
}

/// Where an authorisation stands at a given time: its life-cycle status combined with its
/// validity window. This is what a status listing shows; ``AuthorisationStatus`` alone says
/// "active" for an authorisation whose window has ended.
public enum AuthorisationStanding: String, Sendable, Hashable, Codable, CaseIterable {
    /// Active, but the validity window has not begun.
    case notYetValid = "not-yet-valid"
    /// Active and within its validity window: releases may be charged.
    case active
    /// Active in status, but the validity window has ended: every release is refused.
    case expired
    /// Suspended (refused until resumed).
    case suspended
    /// Terminated (final).
    case terminated
}

/// A column of a registered dataset, with its classification.
public struct DatasetColumn: Sendable, Hashable, Codable {
    /// The dataset's name (its absolute path when registered from a file).
    public let dataset: String
    /// The column's name.
    public let column: String
    /// Its classification level.
    public let level: ClassificationLevel
    /// Its role, as the steward declared it (``ColumnRole/none`` unless declared).
    public let role: ColumnRole

    /// A column of a dataset.
    public init(dataset: String, column: String, level: ClassificationLevel, role: ColumnRole = .none) {
        self.dataset = dataset
        self.column = column
        self.level = level
        self.role = role
    }
}

/// What a column is to re-identification, as the dataset's steward declares it
/// (``SQLiteLedger/setRole(dataset:column:role:actor:)``).
public enum ColumnRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// No declared role.
    case none
    /// A quasi-identifier: every microdata export is checked for k-anonymity over *all* the
    /// dataset's quasi-identifiers present in it, whatever set the operator names.
    case quasiIdentifier = "quasi-identifier"
    /// A sensitive attribute (what l-diversity and t-closeness protect).
    case sensitive
    /// A direct or pseudonymous identifier: it never leaves. A release may use it only as its
    /// privacy unit (never as a value or a key), and no export may contain it.
    case identifier
}

/// An operator's right to run one scenario on a list of columns within a validity window and a
/// budget (the glossary's **authorisation**).
public struct Authorisation: Sendable, Hashable, Codable {
    /// The ledger's identifier.
    public let id: Int64
    /// The operator.
    public let `operator`: String
    /// The scenario.
    public let scenario: String
    /// The total budget.
    public let budget: PrivacyBudget
    /// How its releases compose.
    public let accounting: AccountingMethod
    /// Start of validity.
    public let validFrom: Date
    /// End of the trial operation (≤ 6 months after ``validFrom``; equal to it when there is no trial).
    public let trialUntil: Date
    /// End of validity (≤ 2 years after the trial).
    public let validTo: Date
    /// Current status.
    public let status: AuthorisationStatus
    /// The allowed columns (dataset and column), sorted.
    public let columns: [DatasetColumn]
    /// Durable spent budget in the budget's terms (ε, ε at the budget's δ, or ρ).
    public let spent: Double
    /// What is left, never negative.
    public var remaining: Double { max(0, budget.total - spent) }
    /// When the authorisation was granted.
    public let grantedAt: Date
    /// The release and export forms the review allowed, sorted; `nil`: any form (a grant that
    /// did not list them).
    public var releaseForms: [ReleaseForm]? = nil
    /// What the review requires of a microdata export beyond the platform's policy; `nil`:
    /// the policy alone.
    public var exportRequirements: ExportRequirements? = nil

    /// Where the authorisation stands at `time`: `terminated` or `suspended` by status;
    /// otherwise `notYetValid` before ``validFrom``, `expired` from ``validTo`` on (the window
    /// is half-open, [validFrom, validTo), as the release gate checks it), else `active`.
    ///
    /// - Complexity: O(1).
    public func standing(at time: Date) -> AuthorisationStanding {
        switch status {
        case .terminated: return .terminated
        case .suspended: return .suspended
        case .active:
            if time < validFrom { return .notYetValid }
            if time >= validTo { return .expired }
            return .active
        }
    }
}

/// One status change of an authorisation (the grant counts as the first, to `active`).
public struct StatusChange: Sendable, Hashable, Codable {
    /// When.
    public let time: Date
    /// The new status.
    public let status: AuthorisationStatus
    /// Why.
    public let reason: String
    /// Who made the change.
    public let actor: String
}

/// One release (a DP statistic or an export) in the ledger, with its cost metering.
public struct ReleaseRecord: Sendable, Hashable, Codable {
    /// The release's identifier (the charge's UUID).
    public let id: String
    /// `"dp"` or `"export"`.
    public let kind: String
    /// The authorisation charged.
    public let authorisationID: Int64
    /// The operator.
    public let `operator`: String
    /// The scenario.
    public let scenario: String
    /// The dataset read.
    public let dataset: String
    /// What was released (statistic, column, grouping; or the exported file).
    public let query: String
    /// The release's parameters as JSON (query, mechanism, ε/δ/ρ; or export checks).
    public let parameters: String
    /// ε stated, if any.
    public let epsilon: Double?
    /// δ stated, if any.
    public let delta: Double?
    /// ρ stated, if any.
    public let rho: Double?
    /// Noise scale of the main statistic (Laplace b or Gaussian σ), if any.
    public let noiseScale: Double?
    /// SHA-256 (hex) of the released result (the DP release's canonical JSON, or the exported
    /// file); `nil` when the process stopped between charge and outcome (the budget stays spent).
    public let resultDigest: String?
    /// Rows read to compute the release.
    public let rowsScanned: Int64?
    /// Bytes read to compute the release (the size of the file scanned); `nil` for exports, for
    /// releases over data given as a table, and for entries written before ledger schema v9.
    public let bytesScanned: Int64?
    /// CPU seconds spent by the process computing the partial and the release.
    public let cpuSeconds: Double?
    /// Bytes that left (JSON of the release, or the exported file).
    public let bytesExported: Int64?
    /// When the charge was committed (before any noise was sampled).
    public let chargedAt: Date
    /// When the outcome was recorded (just before the value was returned).
    public let completedAt: Date?
}

/// One entry of the hash-chained, append-only audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the chain, from 1, without gaps.
    public let sequence: Int64
    /// When.
    public let time: Date
    /// Who (an operator, a reviewer, `"platform"`).
    public let actor: String
    /// What (`grant`, `release-charged`, `terminate`, …).
    public let action: String
    /// Details as JSON.
    public let details: String
    /// The previous entry's ``hash`` (64 zeros for the first).
    public let previousHash: String
    /// SHA-256 (hex) of this entry's fields and ``previousHash``.
    public let hash: String
}

/// What a termination removed.
public struct TerminationReport: Sendable, Hashable, Codable {
    /// The authorisation, now terminated.
    public let authorisation: Authorisation
    /// Files of derived data deleted from the platform.
    public let deletedFiles: [String]
    /// Derived-data files that were already gone.
    public let missingFiles: [String]
    /// Recorded files the ledger did not delete, each with the reason: outside the export
    /// area, not a regular file, or bytes that differ from the export it recorded (so a
    /// planted or edited entry can never make `terminate` delete someone else's file).
    public let keptFiles: [String]
}

/// A release that went through the ledger: the DP result and its ledger entry.
public struct LedgeredRelease: Sendable, Hashable {
    /// The release.
    public let release: DPRelease
    /// The ledger entry's identifier.
    public let entryID: String
    /// SHA-256 (hex) of the release's canonical JSON, as stored in the ledger.
    public let resultDigest: String
}

/// Where an export gate applies its check.
public enum ExportCheck: Sendable, Hashable {
    /// Microdata: every equivalence class has at least `k` rows, with `k` at least the
    /// ledger's minimum. The classes are over every quasi-identifier the dataset's steward
    /// declared (``ColumnRole/quasiIdentifier``) that the table contains, plus any in
    /// `quasiIdentifiers`; a dataset with none declared cannot export microdata. Rows whose
    /// every such column is `*` (suppressed) are exempt.
    case microdata(quasiIdentifiers: [String], k: Int)
    /// An aggregated table: every value of `countColumn` is at least the ledger's minimum
    /// cell count.
    case aggregate(countColumn: String)
}

/// A form of release or export an authorisation may allow (``SQLiteLedger/grant(operator:scenario:budget:accounting:dataset:columns:validFrom:trialDays:validDays:releaseForms:exportRequirements:actor:)``):
/// the DP statistics by name, a computation that charges a handed-out budget (model fits,
/// secure-aggregation sums, scenario models), and the two export forms.
public enum ReleaseForm: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// ``DifferentialPrivacy/DPStatistic/count``.
    case count
    /// ``DifferentialPrivacy/DPStatistic/sum``.
    case sum
    /// ``DifferentialPrivacy/DPStatistic/mean``.
    case mean
    /// ``DifferentialPrivacy/DPStatistic/variance``.
    case variance
    /// ``DifferentialPrivacy/DPStatistic/standardDeviation``.
    case standardDeviation = "standard-deviation"
    /// ``DifferentialPrivacy/DPStatistic/quantiles``.
    case quantile
    /// ``DifferentialPrivacy/DPStatistic/histogram``.
    case histogram
    /// A computation charged through ``SQLiteLedger/budget(operator:scenario:dataset:columns:purpose:)``.
    case computation
    /// Anonymised microdata through the export gate (``ExportCheck/microdata(quasiIdentifiers:k:)``).
    case microdataExport = "microdata-export"
    /// An aggregated table through the export gate (``ExportCheck/aggregate(countColumn:)``).
    case aggregateExport = "aggregate-export"

    /// The form of a DP statistic.
    public init(_ statistic: DPStatistic) {
        switch statistic {
        case .count: self = .count
        case .sum: self = .sum
        case .mean: self = .mean
        case .variance: self = .variance
        case .standardDeviation: self = .standardDeviation
        case .quantiles: self = .quantile
        case .histogram: self = .histogram
        }
    }

    /// Alphabetical by name.
    public static func < (a: ReleaseForm, b: ReleaseForm) -> Bool { a.rawValue < b.rawValue }
}

/// What a review requires of the authorisation's microdata exports, beyond the platform's
/// ``ExportPolicy``: a larger k, distinct l-diversity and/or equal-distance t-closeness of a
/// sensitive attribute, and the generalisation hierarchies whose levels the exported
/// quasi-identifier values must come from (one level per column, or `*`).
public struct ExportRequirements: Sendable, Hashable, Codable {
    /// Smallest k (at least the platform's minimum, which applies anyway).
    public var minimumK: Int?
    /// The sensitive attribute l and t are about.
    public var sensitive: String?
    /// Distinct l-diversity of ``sensitive`` in every class (≥ 2).
    public var l: Int?
    /// Equal-distance t-closeness of ``sensitive`` in every class, in (0, 1].
    public var t: Double?
    /// Column → its ARX hierarchy (CSV text, `;`-separated): the review's generalisation.
    public var hierarchies: [String: String]

    /// Requirements; all optional.
    public init(
        minimumK: Int? = nil, sensitive: String? = nil, l: Int? = nil, t: Double? = nil,
        hierarchies: [String: String] = [:]
    ) {
        self.minimumK = minimumK
        self.sensitive = sensitive
        self.l = l
        self.t = t
        self.hierarchies = hierarchies
    }
}

/// The platform's export policy, stored in the ledger at ``SQLiteLedger/init(path:durability:busyTimeout:clock:)``-time
/// and changed only by ``SQLiteLedger/setPolicy(_:actor:)``.
public struct ExportPolicy: Sendable, Hashable, Codable {
    /// Smallest k a microdata export may have.
    public var minimumK: Int
    /// Smallest count an aggregated cell may have.
    public var minimumCellCount: Int
    /// The platform's defaults: k ≥ 5, cells ≥ 10.
    public static let standard = ExportPolicy(minimumK: 5, minimumCellCount: 10)
    /// A policy.
    public init(minimumK: Int, minimumCellCount: Int) {
        self.minimumK = minimumK
        self.minimumCellCount = minimumCellCount
    }
}

/// What an authorisation's releases cost the platform (operators bear the cost of compute and
/// result export).
public struct CostSummary: Sendable, Hashable, Codable {
    /// DP releases charged (including any cut short by a crash after the charge).
    public let releases: Int
    /// Exports written.
    public let exports: Int
    /// Rows read, summed.
    public let rowsScanned: Int64
    /// Bytes read, summed (releases that recorded them).
    public let bytesScanned: Int64
    /// CPU seconds, summed.
    public let cpuSeconds: Double
    /// Bytes that left the platform, summed.
    public let bytesExported: Int64
}
