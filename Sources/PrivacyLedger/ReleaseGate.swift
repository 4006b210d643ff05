import DifferentialPrivacy
import Foundation
import GRDB
import Tabular
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds used by this process so far (all threads).
func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

extension DPQuery {
    /// The columns the query reads: value column, grouping column and privacy-unit column.
    public var columnsRead: [String] {
        var names: [String] = []
        for name in [column, groupBy, contribution.privacyUnit] {
            if let name, !names.contains(name) { names.append(name) }
        }
        return names
    }
}

/// What a release is, for the ledger entry written at charge time.
struct ReleaseContext: Sendable {
    let `operator`: String
    let scenario: String
    let dataset: String
    let columns: [String]
    let query: String
    let parameters: String
    let rowsScanned: Int64?
    let cpuStart: Double?
}

/// The ledger seam of one release: binds the durable ledger to an operator, a scenario and a
/// query, so that the session's ``DifferentialPrivacy/PrivacyLedger/record(_:)`` performs the
/// whole authorisation check and durable charge in one transaction.
final class ReleaseBinding: DifferentialPrivacy.PrivacyLedger, @unchecked Sendable {
    let ledger: SQLiteLedger
    let context: ReleaseContext
    private let lock = NSLock()
    private var _refusal: PrivacyLedgerError?
    private var _digest: String?
    private var _entryID: String?

    init(ledger: SQLiteLedger, context: ReleaseContext) {
        self.ledger = ledger
        self.context = context
    }

    /// The typed refusal, if the ledger refused.
    var refusal: PrivacyLedgerError? { lock.withLock { _refusal } }
    /// The digest recorded with the outcome.
    var digest: String? { lock.withLock { _digest } }
    /// The ledger entry's identifier: the charge's UUID, once committed.
    var entryID: String { lock.withLock { _entryID } ?? "" }

    func record(_ charge: PrivacyCharge) throws {
        do {
            try ledger.commitCharge(charge, context: context)
            lock.withLock { _entryID = charge.id.uuidString }
        } catch {
            lock.withLock { _refusal = error }
            throw error
        }
    }

    func recordOutcome(of charge: PrivacyCharge, release: DPRelease) throws {
        do {
            let digest = try ledger.commitOutcome(of: charge.id, release: release, cpuStart: context.cpuStart)
            lock.withLock { _digest = digest }
        } catch {
            lock.withLock { _refusal = error }
            throw error
        }
    }
}

extension SQLiteLedger {
    /// **The release gate with the ledger**: checks the authorisation (status, validity window,
    /// dataset, columns, classification), computes the partial, charges the authorisation's
    /// durable budget in one `BEGIN IMMEDIATE` transaction, samples the noise, and records the
    /// result's digest and cost (rows scanned, CPU time, bytes) before returning.
    ///
    /// - Parameters:
    ///   - query: the query (its columns are checked against the authorisation).
    ///   - table: the data.
    ///   - dataset: the dataset's registered name (``datasetName(forFile:)`` for a file).
    /// - Returns: the release and its ledger entry.
    /// - Throws: ``PrivacyLedgerError`` naming the rule that refused (nothing released or
    ///   charged then), or ``PrivacyLedgerError/release(_:)`` for a bad query.
    public func release(_ query: DPQuery, over table: Tabular.Table, mechanism: NoiseMechanism, parameters: NoiseParameters,
                        operator op: String, scenario: String, dataset: String) throws(PrivacyLedgerError) -> LedgeredRelease {
        let cpuStart = processCPUSeconds()
        let authorisation = try authorise(operator: op, scenario: scenario, dataset: dataset, columns: query.columnsRead)
        let partial: QueryPartial
        do {
            try query.validate()
            partial = try query.partial(over: table)
        } catch { throw .release(error) }
        return try release(partial, mechanism: mechanism, parameters: parameters, authorisation: authorisation, dataset: dataset,
                           rowsScanned: table.rowCount, cpuStart: cpuStart)
    }

    /// The release gate for a partial computed elsewhere (merged from shards, say).
    ///
    /// - Parameters:
    ///   - rowsScanned: rows read to compute the partial, for cost metering.
    ///   - cpuStart: ``processCPUSeconds()``-style start of the metered computation, if any.
    public func release(_ partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters,
                        operator op: String, scenario: String, dataset: String, rowsScanned: Int? = nil,
                        cpuStart: Double? = nil) throws(PrivacyLedgerError) -> LedgeredRelease {
        let authorisation = try authorise(operator: op, scenario: scenario, dataset: dataset, columns: partial.query.columnsRead)
        return try release(partial, mechanism: mechanism, parameters: parameters, authorisation: authorisation, dataset: dataset,
                           rowsScanned: rowsScanned, cpuStart: cpuStart)
    }

    /// The gate after the read-only check: `authorisation` gives the budget and accounting of the
    /// session; the charge transaction re-checks every rule.
    func release(_ partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters, authorisation: Authorisation,
                 dataset: String, rowsScanned: Int?, cpuStart: Double?) throws(PrivacyLedgerError) -> LedgeredRelease {
        let op = authorisation.operator, scenario = authorisation.scenario
        let query = partial.query
        let description = "\(query.statistic.rawValue)(\(query.column ?? "*"))" + (query.groupBy.map { " by \($0)" } ?? "")
        let parametersJSON = try Self.json(ReleaseParameters(query: query, mechanism: mechanism.rawValue, epsilon: parameters.epsilon,
                                                             delta: parameters.delta, rho: parameters.rho))
        let binding = ReleaseBinding(ledger: self, context: ReleaseContext(
            operator: op, scenario: scenario, dataset: dataset, columns: query.columnsRead, query: description,
            parameters: parametersJSON, rowsScanned: rowsScanned.map(Int64.init), cpuStart: cpuStart))
        let session: PrivacySession
        do {
            session = try PrivacySession(budget: authorisation.budget, accounting: authorisation.accounting, ledger: binding,
                                         name: "\(op)/\(scenario)")
        } catch { throw .release(error) }
        let release: DPRelease
        do {
            release = try session.release(partial, mechanism: mechanism, parameters: parameters)
        } catch {
            if let refusal = binding.refusal { throw refusal }
            if case let .budgetExceeded(requested, _, budget) = error {
                // The request alone exceeds the authorisation's total.
                throw .budgetExhausted(operator: op, scenario: scenario, requested: requested, spent: authorisation.spent, budget: budget)
            }
            throw .release(error)
        }
        guard let digest = binding.digest else { throw .storage(reason: "the outcome of release \(binding.entryID) was not recorded") }
        return LedgeredRelease(release: release, entryID: binding.entryID, resultDigest: digest)
    }

    /// Charges `charge` against the authorisation in one `BEGIN IMMEDIATE` transaction: re-checks
    /// the rules, composes the event into the stored accountant, refuses beyond the budget,
    /// writes the ledger entry and the audit entry, saves the accountant, commits.
    func commitCharge(_ charge: PrivacyCharge, context: ReleaseContext) throws(PrivacyLedgerError) {
        try write { db in
            // The time is read once the write lock is held: the window is checked when the charge commits.
            let time = now
            guard let authorisation = try Self.liveAuthorisation(db, operator: context.operator, scenario: context.scenario) else {
                throw PrivacyLedgerError.noAuthorisation(operator: context.operator, scenario: context.scenario)
            }
            try Self.check(authorisation, at: time, dataset: context.dataset, columns: context.columns, db: db)
            let stateText = try db.cachedValue(String.self, sql: "SELECT accountant FROM authorisations WHERE id = ?", arguments: [authorisation.id])!
            var accountant = try Self.decodeAccountant(authorisation.accounting, stateText)
            let event = authorisation.accounting.composesStatedGuarantee ? charge.stated : charge.mechanism
            do { try accountant.compose(event) } catch let error as DifferentialPrivacyError { throw PrivacyLedgerError.release(error) }
            let after: Double
            do { after = try PrivacySession.spent(by: accountant, in: authorisation.budget) } catch let error as DifferentialPrivacyError { throw PrivacyLedgerError.release(error) }
            guard after <= authorisation.budget.total * (1 + PrivacySession.comparisonSlack) else {
                throw PrivacyLedgerError.budgetExhausted(operator: context.operator, scenario: context.scenario, requested: event.description,
                                                         spent: authorisation.spent, budget: authorisation.budget.description)
            }
            var epsilon: Double?, delta: Double?, rho: Double?
            switch charge.stated {
            case let .pureEpsilon(e): epsilon = e
            case let .approximate(e, d): epsilon = e; delta = d
            case let .zCDP(r): rho = r
            default: break
            }
            try db.executeCached(sql: """
                INSERT INTO releases (id, kind, authorisation_id, operator, scenario, dataset, query, parameters, epsilon, delta, rho,
                                      rows_scanned, charged_at)
                VALUES (?, 'dp', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [charge.id.uuidString, authorisation.id, context.operator, context.scenario, context.dataset,
                                 context.query, context.parameters, epsilon, delta, rho, context.rowsScanned, time.timeIntervalSince1970])
            try db.executeCached(sql: "UPDATE authorisations SET accountant = ?, spent = ? WHERE id = ?",
                           arguments: [try Self.encode(accountant), after, authorisation.id])
            try AuditLog.append(db, time: time, actor: context.operator, action: "release-charged", details: [
                "release": charge.id.uuidString, "authorisation": "\(authorisation.id)", "scenario": context.scenario,
                "dataset": context.dataset, "query": context.query, "event": event.description, "spent_after": "\(after)",
                "epsilon": epsilon.map { "\($0)" } ?? "", "delta": delta.map { "\($0)" } ?? "", "rho": rho.map { "\($0)" } ?? "",
            ])
        }
    }

    /// Records a charged release's outcome: digest, noise scale, bytes and CPU time.
    ///
    /// - Returns: the digest.
    func commitOutcome(of id: UUID, release: DPRelease, cpuStart: Double?) throws(PrivacyLedgerError) -> String {
        let encoded = try Self.json(release)
        let digest = Self.sha256Hex(Array(encoded.utf8))
        let cpu = cpuStart.map { processCPUSeconds() - $0 }
        let time = now
        try write(synced: false) { db in
            try db.executeCached(sql: """
                UPDATE releases SET result_digest = ?, noise_scale = ?, bytes_exported = ?, cpu_seconds = ?, completed_at = ?
                WHERE id = ? AND result_digest IS NULL
                """, arguments: [digest, release.noiseScale, encoded.utf8.count, cpu, time.timeIntervalSince1970, id.uuidString])
            guard db.changesCount == 1 else { throw PrivacyLedgerError.storage(reason: "release \(id) has no open ledger entry") }
            let op = try db.cachedValue(String.self, sql: "SELECT operator FROM releases WHERE id = ?", arguments: [id.uuidString]) ?? "?"
            try AuditLog.append(db, time: time, actor: op, action: "release-completed",
                                details: ["release": id.uuidString, "result_digest": digest, "bytes": "\(encoded.utf8.count)"])
        }
        return digest
    }

    /// The SHA-256 (hex) of a release's canonical JSON, as the ledger stores it.
    public static func digest(of release: DPRelease) throws(PrivacyLedgerError) -> String {
        sha256Hex(Array(try json(release).utf8))
    }
}

/// The parameters stored with a DP release.
struct ReleaseParameters: Codable {
    let query: DPQuery
    let mechanism: String
    let epsilon: Double?
    let delta: Double?
    let rho: Double?
}

extension SQLiteLedger {
    /// A ``DifferentialPrivacy/PrivacySession`` bound to an authorisation, for computations that
    /// charge through ``DifferentialPrivacy/PrivacySession/charge(stated:mechanism:description:)``
    /// themselves — model fitting in `PrivateLearning`, say. Every charge re-checks the
    /// authorisation (status, window, dataset, columns, classification) and is committed durably
    /// in one `BEGIN IMMEDIATE` transaction against the authorisation's stored budget before the
    /// caller samples any noise, exactly as in ``release(_:over:mechanism:parameters:operator:scenario:dataset:)``.
    /// No result digest is recorded (the ledger entry shows the charge without an outcome).
    ///
    /// - Parameters:
    ///   - columns: the columns the computation reads (checked now and at each charge).
    ///   - purpose: what the session computes, stored as the ledger entry's query.
    /// - Throws: ``PrivacyLedgerError`` naming the rule when the authorisation does not cover it.
    public func session(operator op: String, scenario: String, dataset: String, columns: [String],
                        purpose: String) throws(PrivacyLedgerError) -> PrivacySession {
        let authorisation = try authorise(operator: op, scenario: scenario, dataset: dataset, columns: columns)
        let binding = ReleaseBinding(ledger: self, context: ReleaseContext(
            operator: op, scenario: scenario, dataset: dataset, columns: columns, query: purpose,
            parameters: "{}", rowsScanned: nil, cpuStart: processCPUSeconds()))
        do {
            return try PrivacySession(budget: authorisation.budget, accounting: authorisation.accounting, ledger: binding,
                                      name: "\(op)/\(scenario)")
        } catch { throw .release(error) }
    }
}
