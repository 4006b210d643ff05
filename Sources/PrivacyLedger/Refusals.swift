public import Foundation

/// A refused request as the audit log keeps it: who asked for what, which rule refused, when.
/// Read with ``SQLiteLedger/refusals(operator:scenario:)``; `ledger history` prints them.
public struct RefusalRecord: Sendable, Hashable, Codable {
    /// The audit entry's sequence number.
    public let sequence: Int64
    /// When the request was refused.
    public let time: Date
    /// Who asked: the operator, or for a refused governance action the steward, reviewer or
    /// regulator (the actor).
    public let `operator`: String
    /// The scenario the request named.
    public let scenario: String
    /// The dataset it would have read (empty when none was named).
    public let dataset: String
    /// What was asked for: a release's description (`sum(fare) by district`), a fit's purpose,
    /// or an export's file.
    public let request: String
    /// The rule that refused (``PrivacyLedgerError/rule``).
    public let rule: String
    /// The refusal's message when it names only identifiers, budgets and rules; empty for a
    /// refused computation or export (rules `release-…`, `export-…`), whose message could
    /// quote a value of the data.
    public let message: String
}

extension PrivacyLedgerError {
    /// Whether this error refuses a request (and is recorded in the audit log) rather than
    /// reporting that the storage failed or that a file is not a ledger.
    public var isRefusal: Bool {
        switch self {
        case .storage, .notALedger, .invalidIdentity: false
        default: true
        }
    }
}

extension SQLiteLedger {
    /// Appends a `refused` audit entry for `error` when it is a refusal. Best effort: a ledger
    /// that cannot be written (a read-only copy, a failing disk) still refuses, unrecorded.
    func recordRefusal(
        _ error: PrivacyLedgerError, operator op: String, scenario: String, dataset: String, request: String
    ) {
        guard error.isRefusal else { return }
        // A refused computation or export may quote a value of the data in its message: only
        // its rule is kept for those.
        var message = error.description
        switch error {
        case .release, .exportRefused: message = ""
        default: break
        }
        let time = now
        _ = try? write { db in
            try record(
                db, time: time, actor: op, action: "refused",
                details: [
                    "scenario": scenario, "dataset": dataset, "request": request, "rule": error.rule,
                    "message": message,
                ])
        }
    }

    /// Runs `body`, recording a refusal it throws (see ``recordRefusal(_:operator:scenario:dataset:request:)``).
    func recordingRefusals<T>(
        operator op: String, scenario: String, dataset: String, request: String,
        _ body: () throws(PrivacyLedgerError) -> T
    ) throws(PrivacyLedgerError) -> T {
        do { return try body() } catch {
            recordRefusal(error, operator: op, scenario: scenario, dataset: dataset, request: request)
            throw error
        }
    }

    /// Refused requests recorded in the audit log, oldest first, optionally for one operator and
    /// scenario (entries older than a purge are gone with it).
    ///
    /// - Complexity: O(audit entries).
    public func refusals(
        operator op: String? = nil, scenario: String? = nil
    ) throws(PrivacyLedgerError)
        -> [RefusalRecord]
    {
        try read { db in
            var records: [RefusalRecord] = []
            for row in try db.rows(
                sql: "SELECT sequence, time, actor, details FROM audit WHERE action = 'refused' ORDER BY sequence")
            {
                let actor: String = try row.ledgerValue("actor")
                let detailsText: String = try row.ledgerValue("details")
                let details = AuditLog.decodeDetails(detailsText)
                let record = RefusalRecord(
                    sequence: try row.ledgerValue("sequence"),
                    time: Date(timeIntervalSince1970: try row.ledgerValue("time")), operator: actor,
                    scenario: details["scenario"] ?? "", dataset: details["dataset"] ?? "",
                    request: details["request"] ?? "", rule: details["rule"] ?? "", message: details["message"] ?? "")
                if let op, record.operator != op { continue }
                if let scenario, record.scenario != scenario { continue }
                records.append(record)
            }
            return records
        }
    }
}
