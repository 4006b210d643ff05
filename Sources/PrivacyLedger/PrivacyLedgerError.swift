public import DifferentialPrivacy
public import Foundation

/// Every way the privacy ledger refuses or fails, each naming the rule, the operator and
/// scenario, and the dataset, column or entry at fault.
///
/// When a refusal is thrown by a gate (``SQLiteLedger/release(_:over:mechanism:parameters:operator:scenario:dataset:)``,
/// ``SQLiteLedger/export(_:to:check:operator:scenario:dataset:separator:)``), nothing was
/// released or written and no budget was charged.
public enum PrivacyLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No authorisation exists for this operator and scenario.
    case noAuthorisation(operator: String, scenario: String)
    /// The authorisation is suspended (agreement breached, not yet corrected).
    case suspended(operator: String, scenario: String, reason: String)
    /// The authorisation was terminated; it can never be used again.
    case terminated(operator: String, scenario: String)
    /// The authorisation's validity window has ended (`validTo`, seconds since 1970).
    case expired(operator: String, scenario: String, validTo: Date)
    /// The authorisation's validity window has not begun (`validFrom`).
    case notYetValid(operator: String, scenario: String, validFrom: Date)
    /// The dataset is not in the authorisation's list.
    case datasetNotAuthorised(dataset: String, operator: String, scenario: String)
    /// The column is not in the authorisation's list.
    case columnNotAuthorised(column: String, dataset: String, operator: String, scenario: String)
    /// The column is classified level 4 (most sensitive): it never leaves, not even noised.
    case levelFourColumn(column: String, dataset: String)
    /// An identifier column would appear in the output (as a value, a key or an exported column).
    case identifierColumn(column: String, dataset: String)
    /// An object's row differs from the state the hash-chained audit log records for it (it was
    /// edited outside the ledger): nothing is charged against it.
    case stateTampered(object: String, reason: String)
    /// The file of a registered dataset no longer has the content the steward registered.
    case datasetChanged(dataset: String, registered: String, found: String)
    /// The release would take the authorisation's durable spent budget beyond its total.
    case budgetExhausted(operator: String, scenario: String, requested: String, spent: Double, budget: String)
    /// The audit log's hash chain does not verify at entry `sequence` (an edited, inserted or
    /// deleted row).
    case auditChainBroken(sequence: Int64, reason: String)
    /// A purge would delete audit entries younger than the retention period.
    case purgeTooYoung(cutoff: Date, earliestAllowed: Date)
    /// An export failed its check (k-anonymity or minimum cell count); nothing was written.
    case exportRefused(rule: String, detail: String)
    /// A status change that the life cycle does not allow (for example resuming a terminated
    /// authorisation).
    case invalidTransition(operator: String, scenario: String, from: String, to: String)
    /// A grant, classification or purge parameter out of its domain.
    case invalidParameter(name: String, value: String, reason: String)
    /// An active or suspended authorisation already exists for this operator and scenario
    /// ("one scenario, one list, one review").
    case alreadyAuthorised(operator: String, scenario: String)
    /// The dataset is not registered, or has no such column.
    case unknownDataset(dataset: String)
    /// A column named in a grant or classification does not exist in the dataset.
    case unknownColumn(column: String, dataset: String, available: [String])
    /// The release itself was refused by the differential-privacy gate (bad parameters, say).
    case release(DifferentialPrivacyError)
    /// SQLite or the file system failed; the transaction was rolled back.
    case storage(reason: String)
    /// The file opened for reading is not a ledger this version can read (missing, empty, not
    /// SQLite, a foreign schema, or a schema older or newer than this version's); nothing was
    /// written to it.
    case notALedger(path: String, reason: String)
    /// An identity file (`--identity`, a `.pub` file) that cannot be read or is malformed.
    case invalidIdentity(path: String, reason: String)
    /// A ledger that takes signed requests was asked to act for `actor` without that
    /// principal's identity, or with an identity that is not the registered one.
    case unauthenticated(actor: String, reason: String)
    /// The principal does not hold the role the action needs.
    case roleNotHeld(principal: String, role: String, action: String)
    /// Platform mode: a raw-data tool asked to read a registered dataset without a steward's
    /// identity (``SQLiteLedger/authoriseRawRead(of:request:actor:)``).
    case platformMode(dataset: String, request: String)
    /// The review did not allow this form of release or export for the authorisation.
    case formNotAuthorised(form: String, operator: String, scenario: String, allowed: [String])

    /// The rule a refusal enforces, as a short stable identifier (for logs and scripts).
    public var rule: String {
        switch self {
        case .noAuthorisation: "no-authorisation"
        case .suspended: "suspended"
        case .terminated: "terminated"
        case .expired: "expired"
        case .notYetValid: "not-yet-valid"
        case .datasetNotAuthorised: "dataset-not-authorised"
        case .columnNotAuthorised: "column-not-authorised"
        case .levelFourColumn: "level-4-column"
        case .identifierColumn: "identifier-column"
        case .datasetChanged: "dataset-changed"
        case .stateTampered: "state-tampered"
        case .budgetExhausted: "budget-exhausted"
        case .auditChainBroken: "audit-chain-broken"
        case .purgeTooYoung: "purge-too-young"
        case let .exportRefused(rule, _): "export-\(rule)"
        case .invalidTransition: "invalid-transition"
        case .invalidParameter: "invalid-parameter"
        case .alreadyAuthorised: "already-authorised"
        case .unknownDataset: "unknown-dataset"
        case .unknownColumn: "unknown-column"
        case .release(.budgetTypeMismatch): "budget-type-mismatch"
        case .release: "release-refused"
        case .storage: "storage"
        case .notALedger: "not-a-ledger"
        case .invalidIdentity: "invalid-identity"
        case .unauthenticated: "unauthenticated"
        case .roleNotHeld: "role-not-held"
        case .platformMode: "platform-mode"
        case .formNotAuthorised: "form-not-authorised"
        }
    }

    /// A one-line message naming the rule and what is at fault.
    public var description: String {
        let text: String
        switch self {
        case let .noAuthorisation(o, s): text = "operator '\(o)' has no authorisation for scenario '\(s)'"
        case let .suspended(o, s, reason):
            text =
                "the authorisation of operator '\(o)' for scenario '\(s)' is suspended (\(reason)); nothing was released"
        case let .terminated(o, s):
            text = "the authorisation of operator '\(o)' for scenario '\(s)' was terminated; nothing was released"
        case let .expired(o, s, to):
            text =
                "the authorisation of operator '\(o)' for scenario '\(s)' expired at \(iso(to)); nothing was released"
        case let .notYetValid(o, s, from):
            text =
                "the authorisation of operator '\(o)' for scenario '\(s)' is valid only from \(iso(from)); nothing was released"
        case let .datasetNotAuthorised(d, o, s):
            text = "dataset '\(d)' is not in the list of operator '\(o)' for scenario '\(s)'"
        case let .columnNotAuthorised(c, d, o, s):
            text = "column '\(c)' of dataset '\(d)' is not in the list of operator '\(o)' for scenario '\(s)'"
        case let .levelFourColumn(c, d):
            text = "column '\(c)' of dataset '\(d)' is classified level 4 and never leaves the platform"
        case let .identifierColumn(c, d):
            text =
                "column '\(c)' of dataset '\(d)' is an identifier: it never leaves (only as a release's privacy unit); nothing was released or written"
        case let .stateTampered(object, reason):
            text =
                "\(object) does not match the audit log (\(reason)): it was changed outside the ledger; nothing was charged or released"
        case let .datasetChanged(d, registered, found):
            text =
                "the file of dataset '\(d)' has changed since its steward registered it (SHA-256 \(registered.prefix(16))…, now \(found.prefix(16))…); it is refused until the steward registers it again"
        case let .budgetExhausted(o, s, requested, spent, budget):
            text =
                "the authorisation of operator '\(o)' for scenario '\(s)' has spent \(spent) of \(budget); this release costs \(requested); nothing was released"
        case let .auditChainBroken(seq, reason): text = "the audit log's hash chain breaks at entry \(seq): \(reason)"
        case let .purgeTooYoung(cutoff, earliest):
            text =
                "purging entries before \(iso(cutoff)) would delete entries younger than the retention period; the latest allowed cutoff is \(iso(earliest))"
        case let .exportRefused(_, detail): text = "export refused: \(detail); nothing was written"
        case let .invalidTransition(o, s, from, to):
            text = "the authorisation of operator '\(o)' for scenario '\(s)' cannot go from \(from) to \(to)"
        case let .invalidParameter(name, value, reason): text = "invalid \(name) = \(value): \(reason)"
        case let .alreadyAuthorised(o, s):
            text =
                "operator '\(o)' already holds an authorisation for scenario '\(s)' (one scenario, one list, one review)"
        case let .unknownDataset(d): text = "dataset '\(d)' is not registered in the ledger"
        case let .unknownColumn(c, d, available):
            text = "dataset '\(d)' has no column '\(c)'; it has: \(available.joined(separator: ", "))"
        case let .release(error): text = error.description
        case let .storage(reason): text = "the ledger's storage failed: \(reason)"
        case let .notALedger(path, reason): text = "'\(path)' is not a ledger this version can read: \(reason)"
        case let .invalidIdentity(path, reason): text = "identity file '\(path)': \(reason)"
        case let .unauthenticated(actor, reason):
            text = "the request for '\(actor)' is not authenticated: \(reason); nothing was changed or released"
        case let .roleNotHeld(principal, role, action):
            text = "principal '\(principal)' does not hold the role '\(role)' that '\(action)' needs"
        case let .formNotAuthorised(form, o, sc, allowed):
            text =
                "the review of '\(o)' for '\(sc)' allows \(allowed.joined(separator: ", ")), not \(form); a new form needs a new review"
        case let .platformMode(dataset, request):
            text =
                "the ledger is in platform mode and '\(dataset)' is a registered dataset: \(request) prints facts about its raw rows, so only its steward (with --identity) may run it; operators read it through an authorisation (dp … --operator --scenario, anonymity generalise --out)"
        }
        return "[\(rule)] \(text)"
    }
}

/// ISO 8601 (UTC, seconds) for messages and JSON.
func iso(_ date: Date) -> String {
    date.formatted(.iso8601)
}
