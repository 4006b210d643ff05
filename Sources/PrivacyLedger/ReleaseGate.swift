public import DifferentialPrivacy
import Crypto
import SecureRandom
import Foundation
public import Tabular
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds used by this process so far (all threads).
func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// What a release is, for the ledger entry written at charge time.
struct ReleaseContext: Sendable {
    let `operator`: String
    let scenario: String
    let dataset: String
    let columns: [String]
    /// The columns whose values the output may show (identifiers are refused there).
    var published: [String] = []
    /// The form of release, checked against the review's list.
    var form: ReleaseForm? = nil
    let query: String
    let parameters: String
    let rowsScanned: Int64?
    /// Bytes read to compute the release (the size of the file scanned), if known.
    var bytesScanned: Int64? = nil
    let cpuStart: Double?
}

/// An operator's authorisation in the durable ledger, as the ``DifferentialPrivacy/BudgetStore``
/// the release gate charges: each charge re-checks every rule of the authorisation (status,
/// validity window, dataset, columns, classification), composes the event into the
/// authorisation's stored accountant, refuses beyond its budget, and writes the ledger entry
/// and the audit entry — all in one `BEGIN IMMEDIATE` transaction, committed before any
/// noise is sampled. Refusals are ``PrivacyLedgerError``s naming the rule.
///
/// Get one from ``SQLiteLedger/budget(operator:scenario:dataset:columns:purpose:)`` for
/// computations that go through the gate themselves (model fits in `PrivateLearning`); the
/// ledger's own ``SQLiteLedger/release(_:over:mechanism:parameters:operator:scenario:dataset:)``
/// uses one per release.
public struct AuthorisedBudget: BudgetStore {
    /// The ledger's digest of the release (SHA-256 of its canonical JSON), as stored.
    public typealias OutcomeReceipt = String

    let ledger: SQLiteLedger
    let context: ReleaseContext
    /// Whether ``charge(_:)`` records its refusals in the audit log itself (a budget handed out
    /// by ``SQLiteLedger/budget(operator:scenario:dataset:columns:purpose:)``), or its caller
    /// records every refusal of the release (the ledger's own release gate).
    let recordsRefusals: Bool

    /// The operator charged.
    public var `operator`: String { context.operator }
    /// The authorisation's scenario.
    public var scenario: String { context.scenario }
    /// The dataset the computation reads.
    public var dataset: String { context.dataset }

    /// A bad request is refused as ``PrivacyLedgerError/release(_:)``.
    public static func refusal(_ error: DifferentialPrivacyError) -> PrivacyLedgerError { .release(error) }

    /// Charges `request` against the authorisation in one transaction (see the type's
    /// description).
    ///
    /// - Throws: the ``PrivacyLedgerError`` naming the rule that refused, such as
    ///   ``PrivacyLedgerError/budgetExhausted(operator:scenario:requested:spent:budget:)``.
    public func charge(_ request: ChargeRequest) throws(PrivacyLedgerError) -> PrivacyCharge {
        guard recordsRefusals else { return try ledger.commitCharge(request, context: context) }
        return try ledger.recordingRefusals(
            operator: context.operator, scenario: context.scenario, dataset: context.dataset,
            request: request.description
        ) { () throws(PrivacyLedgerError) in try ledger.commitCharge(request, context: context) }
    }

    /// Records the release's digest, noise scale, size and CPU time in its ledger entry.
    ///
    /// - Returns: the digest.
    public func recordOutcome(_ outcome: ReleaseOutcome) throws(PrivacyLedgerError) -> String {
        try ledger.commitOutcome(of: outcome, cpuStart: context.cpuStart)
    }
}

extension SQLiteLedger {
    /// **The release gate with the ledger**: refuses early (read-only) when the authorisation
    /// does not cover the query, computes the partial, then releases it through
    /// ``release(_:mechanism:parameters:operator:scenario:dataset:rowsScanned:bytesScanned:cpuStart:)``.
    ///
    /// - Parameters:
    ///   - query: the query (its columns are checked against the authorisation).
    ///   - table: the data.
    ///   - dataset: the dataset's registered name (``datasetName(forFile:)`` for a file).
    ///   - bytesScanned: the size of the data `table` was read from (its file), for cost
    ///     metering; `nil` when unknown.
    /// - Returns: the release and its ledger entry.
    /// - Throws: ``PrivacyLedgerError`` naming the rule that refused (nothing released or
    ///   charged then), or ``PrivacyLedgerError/release(_:)`` for a bad query.
    /// - Complexity: one scan of `table` for the partial, one write transaction for the charge
    ///   and one for the outcome.
    public func release(
        _ query: DPQuery, over table: Tabular.Table, mechanism: NoiseMechanism, parameters: NoiseParameters,
        operator op: String, scenario: String, dataset: String, bytesScanned: Int? = nil
    ) throws(PrivacyLedgerError) -> LedgeredRelease {
        try release(
            query, mechanism: mechanism, parameters: parameters, operator: op, scenario: scenario, dataset: dataset
        ) { () throws(PrivacyLedgerError) in
            do throws(DifferentialPrivacyError) {
                return (try query.partial(over: table), table.rowCount, bytesScanned)
            } catch { throw .release(error) }
        }
    }

    /// **The release gate with the ledger, over a file of any size**: as
    /// ``release(_:over:mechanism:parameters:operator:scenario:dataset:)``, with the partial
    /// computed by ``DifferentialPrivacy/DPQuery/partial(overFile:options:)`` — only the
    /// query's columns parsed, within `options.memoryLimit`. The file is read only after the
    /// early authorisation check passes. Declared keys that would not fit the limit are refused
    /// (and recorded) before anything is charged; state whose size depends on the data (keys
    /// found by partition selection, spill buckets) is never refused here, since the refusal
    /// would tell something about the data without noise: it may exceed the limit instead
    /// (``DifferentialPrivacy/FileScanOptions/refusesDataDependentState``).
    ///
    /// **The file is the registered one.** When `dataset` has a registered SHA-256 (registered
    /// from its file), the bytes the scan parses are hashed as they are read and compared with
    /// it before anything is charged: a file changed since its registration — even while it is
    /// read — is refused with ``PrivacyLedgerError/datasetChanged(dataset:registered:found:)``
    /// (recorded), and the file is read once, not once to check and again to compute.
    ///
    /// - Parameters:
    ///   - requiresDigest: refuse with ``PrivacyLedgerError/unknownDataset(dataset:)`` (recorded,
    ///     before the file is read) when `dataset` has no registered digest. The CLI sets it: a
    ///     file it reads for an operator must be one a steward registered from its content.
    /// - Throws: ``PrivacyLedgerError`` naming the rule that refused;
    ///   ``PrivacyLedgerError/release(_:)`` for a bad query, a memory limit too small, or a
    ///   file that cannot be read as CSV (the reader's message names the line and column, never
    ///   a value of a column the query does not read).
    /// - Complexity: one streaming pass over the file (two with a privacy unit on a file larger
    ///   than a quarter of the limit), one write transaction for the charge and one for the
    ///   outcome.
    public func release(
        _ query: DPQuery, overFile file: String, options: FileScanOptions, mechanism: NoiseMechanism,
        parameters: NoiseParameters, operator op: String, scenario: String, dataset: String,
        requiresDigest: Bool = false
    ) throws(PrivacyLedgerError) -> LedgeredRelease {
        try release(
            query, mechanism: mechanism, parameters: parameters, operator: op, scenario: scenario, dataset: dataset
        ) { () throws(PrivacyLedgerError) in
            let registered = try registeredDigest(of: dataset)
            if requiresDigest && registered == nil { throw .unknownDataset(dataset: dataset) }
            // Never refuse on what the data hold: that refusal would be an output without noise
            // (whether a fresh key pushes the key set over the operator's chosen limit).
            var scanOptions = options
            scanOptions.refusesDataDependentState = false
            let hasher = registered.map { _ in StreamingDigest() }
            if let hasher {
                scanOptions.onRead = { hasher.update($0) }
                scanOptions.onRestart = { hasher.reset() }
            }
            let scan: FileScanResult
            do {
                scan = try query.partial(overFile: file, options: scanOptions)
            } catch let error as DifferentialPrivacyError {
                throw .release(error)
            } catch {
                throw .release(.invalidParameter(name: "data", value: file, reason: "\(error)"))
            }
            if let registered, let found = hasher?.hex, found != registered {
                throw .datasetChanged(dataset: dataset, registered: registered, found: found)
            }
            return (scan.partial, scan.rows, scan.bytes)
        }
    }

    /// The early check (recorded when it refuses), the partial from `compute`, then the gate.
    private func release(
        _ query: DPQuery, mechanism: NoiseMechanism, parameters: NoiseParameters,
        operator op: String, scenario: String, dataset: String,
        compute: () throws(PrivacyLedgerError) -> (partial: QueryPartial, rows: Int, bytes: Int?)
    ) throws(PrivacyLedgerError) -> LedgeredRelease {
        let cpuStart = processCPUSeconds()
        // Early and read-only, so that an uncovered request does not make the platform scan the
        // data; the charge's transaction checks every rule again. A refusal here is recorded
        // here; the release of the partial records its own.
        let computed = try recordingRefusals(
            operator: op, scenario: scenario, dataset: dataset, request: query.releaseDescription
        ) { () throws(PrivacyLedgerError) -> (partial: QueryPartial, rows: Int, bytes: Int?) in
            _ = try checkAuthorisation(
                operator: op, scenario: scenario, dataset: dataset, columns: query.columnsRead,
                published: query.columnsPublished, form: ReleaseForm(query.statistic))
            do throws(DifferentialPrivacyError) { try query.validate() } catch { throw .release(error) }
            return try compute()
        }
        return try release(
            computed.partial, mechanism: mechanism, parameters: parameters, operator: op, scenario: scenario,
            dataset: dataset, rowsScanned: computed.rows, bytesScanned: computed.bytes, cpuStart: cpuStart)
    }

    /// The release gate for a partial computed elsewhere (merged from shards, say), charged to
    /// the authorisation of `op` for `scenario` through an ``AuthorisedBudget``: the charge's
    /// one transaction checks the authorisation (status, validity window, dataset, columns,
    /// classification) and the durable budget; the noise is sampled after it commits, and the
    /// result's digest and cost (rows scanned, CPU time, bytes) are recorded before returning.
    ///
    /// - Parameters:
    ///   - rowsScanned: rows read to compute the partial, for cost metering.
    ///   - bytesScanned: bytes read to compute it (the size of the file scanned), likewise.
    ///   - cpuStart: ``processCPUSeconds()``-style start of the metered computation, if any.
    /// - Throws: ``PrivacyLedgerError`` naming the rule that refused (nothing released or
    ///   charged then), or ``PrivacyLedgerError/release(_:)`` for bad parameters.
    public func release(
        _ partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters,
        operator op: String, scenario: String, dataset: String, rowsScanned: Int? = nil,
        bytesScanned: Int? = nil, cpuStart: Double? = nil
    ) throws(PrivacyLedgerError) -> LedgeredRelease {
        try recordingRefusals(
            operator: op, scenario: scenario, dataset: dataset, request: partial.query.releaseDescription
        ) { () throws(PrivacyLedgerError) -> LedgeredRelease in
            try releaseRecordingNothing(
                partial, mechanism: mechanism, parameters: parameters, operator: op, scenario: scenario,
                dataset: dataset, rowsScanned: rowsScanned, bytesScanned: bytesScanned, cpuStart: cpuStart)
        }
    }

    /// The body of ``release(_:mechanism:parameters:operator:scenario:dataset:rowsScanned:bytesScanned:cpuStart:)``,
    /// whose caller records a refusal.
    private func releaseRecordingNothing(
        _ partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters,
        operator op: String, scenario: String, dataset: String, rowsScanned: Int?, bytesScanned: Int?,
        cpuStart: Double?
    ) throws(PrivacyLedgerError) -> LedgeredRelease {
        let query = partial.query
        let parametersJSON = try Self.json(
            ReleaseParameters(
                query: query, mechanism: mechanism.rawValue, epsilon: parameters.epsilon,
                delta: parameters.delta, rho: parameters.rho))
        let store = AuthorisedBudget(
            ledger: self,
            context: ReleaseContext(
                operator: op, scenario: scenario, dataset: dataset, columns: query.columnsRead,
                published: query.columnsPublished, form: ReleaseForm(query.statistic), query: query.releaseDescription,
                parameters: parametersJSON, rowsScanned: rowsScanned.map(Int64.init),
                bytesScanned: bytesScanned.map(Int64.init), cpuStart: cpuStart),
            recordsRefusals: false)
        var generator = try AuthorisedBudget.systemGenerator()
        let gated = try store.gatedRelease(partial, mechanism: mechanism, parameters: parameters, generator: &generator)
        return LedgeredRelease(release: gated.release, entryID: gated.charge.id.uuidString, resultDigest: gated.receipt)
    }

    /// Charges `request` against the authorisation in one `BEGIN IMMEDIATE` transaction:
    /// re-checks the rules, composes the event into the stored accountant
    /// (``DifferentialPrivacy/PrivacyBudget/composing(_:stated:into:)``), refuses beyond the
    /// budget, writes the ledger entry and the audit entry, saves the accountant, commits.
    ///
    /// - Returns: the committed charge; its identifier is the ledger entry's.
    func commitCharge(_ request: ChargeRequest, context: ReleaseContext) throws(PrivacyLedgerError) -> PrivacyCharge {
        try write { db in
            // The time is read once the write lock is held: the window is checked when the charge commits.
            let time = now
            guard
                let authorisation = try Self.liveAuthorisation(
                    db, operator: context.operator, scenario: context.scenario)
            else {
                throw PrivacyLedgerError.noAuthorisation(operator: context.operator, scenario: context.scenario)
            }
            try Self.check(
                authorisation, at: time, dataset: context.dataset, columns: context.columns,
                published: context.published, form: context.form, db: db)
            // The row charged against must be the state the audit chain last recorded for it:
            // an edited budget, spent, accountant, status or window is refused, not honoured.
            try Self.requireRecordedState(db, authorisation: authorisation.id, dataset: context.dataset)
            let stateText = try db.value(
                String.self, sql: "SELECT accountant FROM authorisations WHERE id = ?", arguments: [authorisation.id])!
            let stored = try Self.decodeAccountant(authorisation.accounting, stateText)
            let event = request.event(for: authorisation.accounting)
            let composed: (accountant: any PrivacyAccountant, spentBefore: Double, spentAfter: Double)
            do {
                composed = try authorisation.budget.composing(event, stated: request.stated, into: stored)
            } catch let error as DifferentialPrivacyError {
                if case .budgetExceeded = error {
                    throw PrivacyLedgerError.budgetExhausted(
                        operator: context.operator, scenario: context.scenario,
                        requested: event.description, spent: authorisation.spent,
                        budget: authorisation.budget.description)
                }
                throw PrivacyLedgerError.release(error)
            }
            let after = composed.spentAfter
            let charge = PrivacyCharge(
                request: request, session: "\(context.operator)/\(context.scenario)",
                spentAfter: "\(after) of \(authorisation.budget)", time: time)
            let (epsilon, delta, rho) = request.stated.guaranteeValues
            try db.execute(
                sql: """
                    INSERT INTO releases (id, kind, authorisation_id, operator, scenario, dataset, query, parameters, epsilon, delta, rho,
                                          rows_scanned, bytes_scanned, charged_at)
                    VALUES (?, 'dp', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    charge.id.uuidString, authorisation.id, context.operator, context.scenario, context.dataset,
                    context.query, context.parameters, epsilon, delta, rho, context.rowsScanned,
                    context.bytesScanned, time.timeIntervalSince1970,
                ])
            try db.execute(
                sql: "UPDATE authorisations SET accountant = ?, spent = ? WHERE id = ?",
                arguments: [try Self.encode(composed.accountant), after, authorisation.id])
            try record(
                db, time: time, actor: context.operator, action: "release-charged",
                details: try LedgerState.recording(
                    LedgerState.authorisationKey(authorisation.id),
                    in: [
                        "release": charge.id.uuidString, "authorisation": "\(authorisation.id)",
                        "scenario": context.scenario,
                        "dataset": context.dataset, "query": context.query, "event": event.description,
                        "spent_after": "\(after)",
                        "epsilon": epsilon.map { "\($0)" } ?? "", "delta": delta.map { "\($0)" } ?? "",
                        "rho": rho.map { "\($0)" } ?? "",
                    ], db))
            return charge
        }
    }

    /// Records a charged release's outcome: digest, noise scale, bytes and CPU time.
    ///
    /// - Returns: the digest.
    func commitOutcome(of outcome: ReleaseOutcome, cpuStart: Double?) throws(PrivacyLedgerError) -> String {
        let id = outcome.charge.id
        let encoded = try Self.json(outcome.release)
        let digest = Self.sha256Hex(Array(encoded.utf8))
        let cpu = cpuStart.map { processCPUSeconds() - $0 }
        let time = now
        try write(synced: false) { db in
            let completed = try db.execute(
                sql: """
                    UPDATE releases SET result_digest = ?, noise_scale = ?, bytes_exported = ?, cpu_seconds = ?, completed_at = ?
                    WHERE id = ? AND result_digest IS NULL
                    """,
                arguments: [
                    digest, outcome.noiseScale, encoded.utf8.count, cpu, time.timeIntervalSince1970, id.uuidString,
                ])
            guard completed == 1 else {
                throw PrivacyLedgerError.storage(reason: "release \(id) has no open ledger entry")
            }
            let op =
                try db.value(
                    String.self, sql: "SELECT operator FROM releases WHERE id = ?", arguments: [id.uuidString]) ?? "?"
            try record(
                db, time: time, actor: op, action: "release-completed",
                details: ["release": id.uuidString, "result_digest": digest, "bytes": "\(encoded.utf8.count)"])
        }
        return digest
    }

    /// The SHA-256 (hex) of a release's canonical JSON (sorted keys), as the ledger stores it:
    /// a `DPRelease`, or the `DistributedSumRelease` of a distributed-noise secure sum.
    public static func digest(of release: some Encodable) throws(PrivacyLedgerError) -> String {
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
    /// The budget of an authorisation as a ``DifferentialPrivacy/BudgetStore``, for
    /// computations that go through the gate themselves — model fitting in `PrivateLearning`,
    /// say. Each charge re-checks the authorisation (status, window, dataset, columns,
    /// classification) and is committed durably in one `BEGIN IMMEDIATE` transaction against
    /// the authorisation's stored budget before any noise is sampled, exactly as in
    /// ``release(_:over:mechanism:parameters:operator:scenario:dataset:)``. A fit records no
    /// result digest (the ledger entry shows the charge without an outcome).
    ///
    /// - Parameters:
    ///   - columns: the columns the computation reads (checked now, read-only, and at each charge).
    ///   - purpose: what the computation is, stored as the ledger entry's query.
    /// - Throws: ``PrivacyLedgerError`` naming the rule when the authorisation does not cover it.
    public func budget(
        operator op: String, scenario: String, dataset: String, columns: [String],
        purpose: String
    ) throws(PrivacyLedgerError) -> AuthorisedBudget {
        _ = try recordingRefusals(operator: op, scenario: scenario, dataset: dataset, request: purpose) {
            () throws(PrivacyLedgerError) in
            try checkAuthorisation(
                operator: op, scenario: scenario, dataset: dataset, columns: columns, form: .computation)
        }
        return AuthorisedBudget(
            ledger: self,
            context: ReleaseContext(
                operator: op, scenario: scenario, dataset: dataset, columns: columns, form: .computation,
                query: purpose,
                parameters: "{}", rowsScanned: nil, cpuStart: processCPUSeconds()),
            recordsRefusals: true)
    }
}

/// A SHA-256 fed from a scan's reading thread and read after it (``FileScanOptions/onRead``).
final class StreamingDigest: @unchecked Sendable {
    private let lock = NSLock()
    private var hasher = SHA256()

    func update(_ bytes: UnsafeRawBufferPointer) { lock.withLock { hasher.update(bufferPointer: bytes) } }
    func reset() { lock.withLock { hasher = SHA256() } }
    /// The digest of the bytes since the last reset, in hex.
    var hex: String { lock.withLock { Hexadecimal.encode(hasher.finalize()) } }
}
