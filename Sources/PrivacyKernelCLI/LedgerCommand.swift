import ArgumentParser
import DifferentialPrivacy
import Foundation
import PrivacyLedger
import ReportRendering
import Tabular

/// `privacy-kernel ledger …`: the durable privacy ledger, authorisations and audit log.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Manage the privacy ledger: authorisations, budgets, releases and the audit log.",
        discussion: """
            One SQLite file (WAL) holds datasets with column classification levels (1 open … 4 restricted), \
            authorisations (operator, scenario, columns, budget, validity window, status history), every release \
            with its cost, and a hash-chained audit log. Releases through `dp … --operator ID --scenario ID` and \
            exports through `anonymity generalise --out` are checked and charged here first.
            The default ledger is $PRIVACY_KERNEL_LEDGER, else ./privacy-ledger.sqlite. Example:
              privacy-kernel ledger init
              privacy-kernel ledger classify --data datasets/transport.csv --level card_id=4 --level origin_district=3
              privacy-kernel ledger grant --operator op-17 --scenario transport-od --epsilon 2 --data datasets/transport.csv \\
                  --columns fare,origin_district --valid-days 365 --trial-days 90
              privacy-kernel dp mean --data datasets/transport.csv --column fare --bounds 0:50 --epsilon 0.5 \\
                  --operator op-17 --scenario transport-od
              privacy-kernel ledger status --json
            """,
        subcommands: [
            Init.self, Classify.self, Grant.self, Suspend.self, Resume.self, Terminate.self, Status.self,
            History.self, AuditVerify.self, Purge.self, Identity.self, Principal.self, Checkpoint.self, Report.self,
        ]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or migrate) a ledger file and set the export policy.")
        @OptionGroup var location: LedgerLocation
        @Option(help: "Smallest k a microdata export may have.")
        var minK: Int?
        @Option(help: "Smallest count an exported aggregate cell may have.")
        var minCellCount: Int?
        @Option(
            help:
                "The export area: the only directory exports are written into (default: <ledger name>-exports beside the ledger file)."
        )
        var exportArea: String?
        @Flag(
            inversion: .prefixedNo,
            help:
                "Platform mode: raw-data tools (dp without an authorisation, anonymity check|risk, generalise without --out, datasets describe, scenario --throwaway-ledger) refuse the registered datasets unless their steward asks; exports print only what the gate released."
        )
        var platform: Bool?
        func run() throws {
            let ledger = try location.open(create: true)
            if let platform { try ledger.setPlatformMode(platform, actor: location.actor(nil, otherwise: "platform")) }
            var policy = try ledger.policy()
            if minK != nil || minCellCount != nil {
                policy.minimumK = minK ?? policy.minimumK
                policy.minimumCellCount = minCellCount ?? policy.minimumCellCount
                try ledger.setPolicy(policy, actor: location.actor(nil, otherwise: "platform"))
            }
            if let exportArea {
                try ledger.setExportArea(exportArea, actor: location.actor(nil, otherwise: "platform"))
            }
            print(
                "ledger \(ledger.path): export policy k ≥ \(policy.minimumK), cells ≥ \(policy.minimumCellCount); export area \((try? ledger.exportArea()) ?? "not set (a PostgreSQL ledger needs --export-area DIR before its first export)")"
                    + (try ledger.isPlatformMode() ? "; platform mode" : "")
            )
        }
    }

    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a CSV dataset's columns and set their classification levels.")
        @OptionGroup var location: LedgerLocation
        @Option(help: "The CSV file (its header names the columns).")
        var data: String?
        @Option(
            help:
                "A dataset already registered, by its ledger name (a scenario view: FILE#SCENARIO), instead of --data.")
        var dataset: String?
        @Option(help: "COLUMN=LEVEL, level 1 (open) … 4 (restricted, never leaves); repeatable.")
        var level: [String] = []
        @Option(help: "Level of columns not yet registered.")
        var defaultLevel: Int = 2
        @Option(
            help:
                "COLUMN=ROLE, role quasi-identifier (every microdata export is k-checked over all of them), sensitive, identifier (never leaves) or none; repeatable."
        )
        var role: [String] = []
        @Option(help: "Who classifies (audited; default: the identity's name, else platform).")
        var actor: String?
        @OptionGroup var separator: SeparatorOption
        @Flag(
            inversion: .prefixedNo,
            help: ArgumentHelp(
                "Declare the dataset's row count public metadata (reports may then print it), or withdraw the declaration.",
                discussion: "Unless declared, scenario reports omit the dataset's row count."))
        var publicRows: Bool?
        func validate() throws {
            guard ClassificationLevel(rawValue: defaultLevel) != nil else {
                throw ValidationError("--default-level must be 1…4, got \(defaultLevel)")
            }
            guard (data == nil) != (self.dataset == nil) else {
                throw ValidationError("give --data FILE or --dataset NAME")
            }
        }
        func run() throws {
            let fallback = ClassificationLevel(rawValue: defaultLevel)!
            let actor = try location.actor(actor, otherwise: "platform")
            let dataset: String
            let ledger: SQLiteLedger
            if let data {
                let columns = try csvHeader(data, separator: separator.byte)
                ledger = try location.open(create: true)
                dataset = SQLiteLedger.datasetName(forFile: data)
                try ledger.registerFile(data, columns: columns, defaultLevel: fallback, actor: actor)
            } else {
                ledger = try location.open()
                dataset = ledgerDatasetName(self.dataset!)
                guard !(try ledger.columns(of: dataset)).isEmpty else {
                    throw PrivacyLedgerError.unknownDataset(dataset: dataset)
                }
            }
            if let publicRows { try ledger.declareRowCountPublic(dataset: dataset, publicRows, actor: actor) }
            for spec in level {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Int(parts[1]),
                    let classification = ClassificationLevel(rawValue: value)
                else {
                    throw ValidationError("--level must be COLUMN=1…4, got '\(spec)'")
                }
                try ledger.classify(dataset: dataset, column: parts[0], level: classification, actor: actor)
            }
            for spec in role {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = ColumnRole(rawValue: parts[1]) else {
                    throw ValidationError(
                        "--role must be COLUMN=\(ColumnRole.allCases.map(\.rawValue).joined(separator: "|")), got '\(spec)'"
                    )
                }
                try ledger.setRole(dataset: dataset, column: parts[0], role: value, actor: actor)
            }
            for column in try ledger.columns(of: dataset) {
                print(
                    "\(column.column): level \(column.level)"
                        + (column.role == .none ? "" : ", \(column.role.rawValue)"))
            }
            print(
                "row count: "
                    + (try ledger.isRowCountPublic(dataset: dataset) ? "declared public by steward" : "not published"))
        }
    }

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant an operator an authorisation for one scenario on a dataset's columns.")
        @OptionGroup var location: LedgerLocation
        @Option(name: .customLong("operator"), help: "The operator.")
        var `operator`: String
        @Option(help: "The scenario.")
        var scenario: String
        @Option(parsing: .unconditional, help: "Total ε.")
        var epsilon: Double?
        @Option(parsing: .unconditional, help: "Total δ (with --epsilon: an (ε, δ) budget).")
        var delta: Double?
        @Option(parsing: .unconditional, help: "Total ρ (a zCDP budget) instead of ε.")
        var rho: Double?
        @Option(help: "basic | advanced | zCDP | rdp | pld (default: basic for ε, advanced for (ε, δ), zCDP for ρ).")
        var accounting: String?
        @Option(help: "The CSV dataset (registered if new; its columns get level 2 unless classified).")
        var data: String?
        @Option(
            help:
                "A dataset already registered, by its ledger name (a scenario view: FILE#SCENARIO), instead of --data.")
        var dataset: String?
        @Option(help: "Allowed columns, comma-separated (default: every column below level 4).")
        var columns: String?
        @Option(help: "Days of the term after the trial (≤ 2 years).")
        var validDays: Int = 365
        @Option(help: "Days of trial operation first (≤ 6 months).")
        var trialDays: Int = 0
        @Option(help: "Who reviewed and granted (audited; default: the identity's name, else reviewer).")
        var reviewer: String?
        @Option(
            help:
                "The forms the review allows, comma-separated: \(ReleaseForm.allCases.map(\.rawValue).joined(separator: ", ")) (default: any)."
        )
        var forms: String?
        @Option(help: "Microdata exports: the smallest k the review requires (the platform's minimum applies anyway).")
        var exportK: Int?
        @Option(help: "Microdata exports: the sensitive attribute of --export-l / --export-t.")
        var exportSensitive: String?
        @Option(help: "Microdata exports: distinct l-diversity of the sensitive attribute in every class (≥ 2).")
        var exportL: Int?
        @Option(
            parsing: .unconditional,
            help: "Microdata exports: equal-distance t-closeness of the sensitive attribute, in (0, 1].")
        var exportT: Double?
        @Option(
            help:
                "Microdata exports: COLUMN=FILE, the reviewed ARX hierarchy whose levels the column's values must come from; repeatable."
        )
        var exportHierarchy: [String] = []
        @Flag(help: "Print JSON.")
        var json = false
        @OptionGroup var separator: SeparatorOption

        /// The review's forms, parsed.
        func releaseForms() throws -> [ReleaseForm]? {
            try forms.map { text in
                try text.split(separator: ",").map { name in
                    let name = name.trimmingCharacters(in: .whitespaces)
                    guard let form = ReleaseForm(rawValue: name) else {
                        throw ValidationError(
                            "--forms: unknown form '\(name)'; forms are \(ReleaseForm.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    return form
                }
            }
        }

        /// The review's export requirements, with the hierarchy files read.
        func exportRequirements() throws -> ExportRequirements? {
            guard
                exportK != nil || exportSensitive != nil || exportL != nil || exportT != nil || !exportHierarchy.isEmpty
            else { return nil }
            var hierarchies: [String: String] = [:]
            for spec in exportHierarchy {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let data = FileManager.default.contents(atPath: parts[1]),
                    data.count <= 16 << 20,
                    let text = String(data: data, encoding: .utf8)
                else {
                    throw ValidationError(
                        "--export-hierarchy must be COLUMN=FILE with a readable UTF-8 file, got '\(spec)'")
                }
                hierarchies[parts[0]] = text
            }
            return ExportRequirements(
                minimumK: exportK, sensitive: exportSensitive, l: exportL, t: exportT, hierarchies: hierarchies)
        }

        func validate() throws {
            _ = try releaseForms()
            if (epsilon == nil) == (rho == nil) {
                throw ValidationError("give --epsilon (optionally with --delta) or --rho")
            }
            if rho != nil && delta != nil { throw ValidationError("--delta goes with --epsilon, not --rho") }
            guard (data == nil) != (self.dataset == nil) else {
                throw ValidationError("give --data FILE or --dataset NAME")
            }
            // Checked here, before the ledger is opened, so a bad budget creates and records nothing.
            if let epsilon, !(epsilon.isFinite && epsilon > 0) {
                throw ValidationError("--epsilon must be a finite ε > 0, got \(epsilon)")
            }
            if let delta, !(delta > 0 && delta < 1) {
                throw ValidationError("--delta must lie in (0, 1), got \(delta)")
            }
            if let rho, !(rho.isFinite && rho > 0) { throw ValidationError("--rho must be a finite ρ > 0, got \(rho)") }
            if let accounting, AccountingMethod(rawValue: accounting) == nil {
                throw ValidationError(
                    "--accounting must be one of \(AccountingMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let reviewer = try location.actor(reviewer, otherwise: "reviewer")
            let budget: PrivacyBudget =
                rho.map { .zCDP(rho: $0) }
                ?? (delta.map { .approximate(epsilon: epsilon!, delta: $0) } ?? .pure(epsilon: epsilon!))
            let ledger: SQLiteLedger
            let dataset: String
            if let data {
                let header = try csvHeader(data, separator: separator.byte)
                ledger = try location.open(create: true)
                dataset = SQLiteLedger.datasetName(forFile: data)
                if try ledger.registeredDigest(of: dataset) == nil {
                    try ledger.registerFile(data, columns: header, actor: reviewer)
                } else {
                    // A registered file is the steward's: the grant only checks it is unchanged.
                    try ledger.verifyFile(data, operator: `operator`, scenario: scenario)
                }
            } else {
                ledger = try location.open()
                dataset = ledgerDatasetName(self.dataset!)
            }
            let list = columns.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            let authorisation = try ledger.grant(
                operator: `operator`, scenario: scenario, budget: budget,
                accounting: accounting.flatMap(AccountingMethod.init(rawValue:)), dataset: dataset,
                columns: list, trialDays: trialDays, validDays: validDays, releaseForms: releaseForms(),
                exportRequirements: exportRequirements(), actor: reviewer)
            let time = ledger.now
            if json {
                print(try jsonText(StatusOutput(authorisation, at: time)))
            } else {
                printStatus(authorisation, at: time)
            }
        }
    }

    /// Options of suspend, resume and terminate.
    struct Change: ParsableArguments {
        @OptionGroup var location: LedgerLocation
        @Option(name: .customLong("operator"), help: "The operator.")
        var `operator`: String
        @Option(help: "The scenario.")
        var scenario: String
        @Option(help: "Why (audited).")
        var reason: String
        @Option(help: "Who decides (audited; default: the identity's name, else reviewer).")
        var reviewer: String?

        /// The reviewer: `--reviewer`, else the identity's name, else `reviewer`.
        func actor() throws -> String { try location.actor(reviewer, otherwise: "reviewer") }

        func validate() throws {
            for (name, value) in [
                ("--reason", reason), ("--reviewer", reviewer ?? "reviewer"), ("--operator", `operator`),
                ("--scenario", scenario),
            ]
            where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("\(name) must not be blank (it is recorded in the audit log)")
            }
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend an active authorisation (agreement breached).")
        @OptionGroup var change: Change
        func run() throws {
            let ledger = try change.location.open()
            printStatus(
                try ledger.suspend(
                    operator: change.operator, scenario: change.scenario, reason: change.reason, actor: change.actor()),
                at: ledger.now)
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a suspended authorisation (breach corrected).")
        @OptionGroup var change: Change
        func run() throws {
            let ledger = try change.location.open()
            printStatus(
                try ledger.resume(
                    operator: change.operator, scenario: change.scenario, reason: change.reason, actor: change.actor()),
                at: ledger.now)
        }
    }

    struct Terminate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Terminate an authorisation and delete the operator's derived data (logs are kept).")
        @OptionGroup var change: Change
        func run() throws {
            let ledger = try change.location.open()
            let report = try ledger.terminate(
                operator: change.operator, scenario: change.scenario,
                reason: change.reason, actor: change.actor())
            printStatus(report.authorisation, at: ledger.now)
            for file in report.deletedFiles { print("  deleted \(file)") }
            for file in report.missingFiles { print("  already gone: \(file)") }
            for file in report.keptFiles { print("  not deleted: \(file)") }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each authorisation with its status, window, spent and remaining budget.")
        @OptionGroup var location: LedgerLocation
        @Option(name: .customLong("operator"), help: "Only this operator.")
        var `operator`: String?
        @Flag(help: "Print a JSON array (each with spent and remaining).")
        var json = false
        func run() throws {
            let ledger = try location.open(readOnly: true)
            let all = try ledger.authorisations().filter { `operator` == nil || $0.operator == `operator` }
            let time = ledger.now
            var outputs: [StatusOutput] = []
            for authorisation in all {
                var output = StatusOutput(authorisation, at: time)
                output.cost = try ledger.costs(of: authorisation.id)
                outputs.append(output)
            }
            if json {
                print(try jsonText(outputs))
            } else {
                if all.isEmpty { print("no authorisations in \(SQLiteLedger.displayLocation(location.path))") }
                for output in outputs {
                    printStatus(all.first { $0.id == output.id }!, at: time)
                    if let c = output.cost {
                        print(
                            "  cost: \(c.releases) releases, \(c.exports) exports, \(c.rowsScanned) rows scanned, \(c.bytesScanned) bytes scanned, "
                                + String(format: "%.3f s CPU, ", c.cpuSeconds) + "\(c.bytesExported) bytes exported")
                    }
                }
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The releases in the ledger, oldest first, then the refused requests.")
        @OptionGroup var location: LedgerLocation
        @Option(name: .customLong("operator"), help: "Only this operator.")
        var `operator`: String?
        @Option(help: "Only this scenario.")
        var scenario: String?
        @Flag(help: "Only the refused requests (who asked for what, which rule refused, when).")
        var refusals = false
        @Flag(help: "Print a JSON array (of releases, or of refusals with --refusals).")
        var json = false
        func run() throws {
            let ledger = try location.open(readOnly: true)
            let refused = try ledger.refusals(operator: `operator`, scenario: scenario)
            if refusals {
                if json {
                    print(try jsonText(refused))
                } else {
                    for r in refused { print(Self.line(r)) }
                }
                return
            }
            let records = try ledger.history(operator: `operator`, scenario: scenario)
            defer { if !json { for r in refused { print(Self.line(r)) } } }
            if json {
                print(try jsonText(records.map(HistoryOutput.init)))
                return
            }
            for r in records {
                var guarantee: [String] = []
                if let e = r.epsilon { guarantee.append("ε=\(e)") }
                if let d = r.delta { guarantee.append("δ=\(d)") }
                if let p = r.rho { guarantee.append("ρ=\(p)") }
                print(
                    "\(r.chargedAt.formatted(.iso8601))  \(r.operator)/\(r.scenario)  \(r.kind) \(r.query)  \(guarantee.joined(separator: " "))  "
                        + (r.resultDigest.map { "digest \($0.prefix(16))…" } ?? "charged, no outcome recorded")
                        + (r.bytesExported.map { "  \($0) B" } ?? "")
                        + (r.cpuSeconds.map { String(format: "  %.3f s CPU", $0) } ?? ""))
            }
        }

        /// One refusal as a text line.
        static func line(_ r: RefusalRecord) -> String {
            "\(r.time.formatted(.iso8601))  \(r.operator)/\(r.scenario)  refused [\(r.rule)] \(r.request)"
                + (r.dataset.isEmpty ? "" : "  (dataset \(r.dataset))")
        }
    }

    struct AuditVerify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit-verify",
            abstract:
                "Verify the audit log's hash chain, that every authorisation, dataset and setting is the state the chain records, and (with --public-key) the regulator's signed checkpoints; exit 1 on any failure."
        )
        @OptionGroup var location: LedgerLocation
        @Option(
            help: "The regulator's public identity file (BASE.pub of ledger identity): verify the signed checkpoints.")
        var publicKey: String?
        @Flag(help: "Print JSON.")
        var json = false
        func run() throws {
            let key = try publicKey.map { try PrincipalKey(contentsOfFile: $0).publicKey }
            let ledger = try location.open(readOnly: true)
            var output = AuditVerifyOutput(ok: true)
            let verification = Result { () throws(PrivacyLedgerError) in try ledger.verifyAuditChain() }
            switch verification {
            case let .success((entries, head)):
                output.entries = entries
                output.head = head
            case let .failure(error):
                guard error.rule == "audit-chain-broken" else { throw error }
                output.ok = false
                if case let .auditChainBroken(sequence, reason) = error {
                    output.brokenAt = sequence
                    output.reason = reason
                }
            }
            // Every object the chain does not vouch for, not only the first.
            if output.brokenAt == nil {
                output.disagreements = try ledger.stateDisagreements().map(\.description)
                if !output.disagreements.isEmpty { output.ok = false }
            }
            let signatures = try ledger.verifySignatures()
            if signatures.signedSince != nil {
                output.signaturesVerified = signatures.verified
                output.unauthenticatedRefusals = signatures.unauthenticatedRefusals
                output.signatureFailures = signatures.failures
                if !signatures.ok { output.ok = false }
            }
            if let key {
                let checkpoints = try ledger.verifyCheckpoints(publicKey: key)
                output.checkpointsVerified = checkpoints.verified.count
                output.latestCheckpoint = checkpoints.verified.last?.sequence
                output.checkpointFailures = checkpoints.failures
                if !checkpoints.ok { output.ok = false }
            }
            if json {
                print(try jsonText(output))
            } else {
                if let brokenAt = output.brokenAt {
                    print("audit log BROKEN at entry \(brokenAt): \(output.reason ?? "")")
                } else if output.disagreements.isEmpty {
                    print("audit log intact: \(output.entries ?? 0) entries, head \(output.head ?? "")")
                    print("state matches the audit log")
                } else {
                    print(
                        "audit chain intact: \(output.entries ?? 0) entries, head \(output.head ?? ""); but the state does not match it:"
                    )
                    for line in output.disagreements { print("  \(line)") }
                }
                if let since = signatures.signedSince {
                    print(
                        "signed requests since entry \(since): \(signatures.verified) signatures verified; unauthenticated refusals on record: \(signatures.unauthenticatedRefusals)"
                    )
                    for failure in signatures.failures { print("  \(failure)") }
                }
                if key != nil {
                    print(
                        "checkpoints signed by the key: \(output.checkpointsVerified ?? 0) verified"
                            + (output.latestCheckpoint.map { ", latest at entry \($0)" } ?? ""))
                    for failure in output.checkpointFailures ?? [] { print("  \(failure)") }
                }
            }
            if !output.ok { throw ExitCode(1) }
        }
    }

    struct Identity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create a principal's identity: BASE.key (private, mode 0600: the --identity file) and BASE.pub (public: a reviewer registers it with ledger principal add).",
            discussion: """
                Example (the first reviewer of a new ledger registers itself; from then on the ledger takes signed requests only):
                  privacy-kernel ledger identity --name rev-1 --out rev-1
                  privacy-kernel ledger principal add --public-key rev-1.pub --role reviewer --identity rev-1.key
                """)
        @Option(help: "The principal's name (the operator, steward, reviewer or regulator it acts as).")
        var name: String
        @Option(help: "Base name of the two files (never replaced).")
        var out: String
        func run() throws {
            let (privatePath, publicPath) = try LedgerIdentity(name: name).write(base: out)
            print(
                "wrote \(privatePath) (the identity of \(name): keep it private, pass it with --identity) and \(publicPath) (register it: ledger principal add --public-key \(publicPath) --role ROLE)"
            )
        }
    }

    struct Principal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Register, list and revoke the principals (Ed25519 identities) of a ledger that takes signed requests.",
            subcommands: [Add.self, List.self, Revoke.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "A reviewer registers a principal's public identity with its roles; the first registration is a reviewer registering itself."
            )
            @OptionGroup var location: LedgerLocation
            @Option(help: "The principal's public identity file (BASE.pub of ledger identity).")
            var publicKey: String
            @Option(help: "A role: steward, reviewer, operator or regulator; repeatable, or comma-separated.")
            var role: [String]
            @Option(help: "The reviewer registering (audited; default: the identity's name).")
            var actor: String?
            func run() throws {
                var roles: [PrincipalRole] = []
                for text in role.flatMap({ $0.split(separator: ",") }) {
                    guard let value = PrincipalRole(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                        throw ValidationError(
                            "--role must be \(PrincipalRole.allCases.map(\.rawValue).joined(separator: "|")), got '\(text)'"
                        )
                    }
                    roles.append(value)
                }
                let key = try PrincipalKey(contentsOfFile: publicKey)
                let ledger = try location.open()
                let principal = try ledger.registerPrincipal(
                    key, roles: roles, actor: location.actor(actor, otherwise: "reviewer"))
                print(
                    "registered \(principal.name): \(principal.roles.map(\.rawValue).joined(separator: ", ")); this ledger takes signed requests only"
                )
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the registered principals.")
            @OptionGroup var location: LedgerLocation
            @Flag(help: "Print JSON.")
            var json = false
            func run() throws {
                let principals = try location.open(readOnly: true).principals()
                if json {
                    print(try jsonText(principals.map(PrincipalOutput.init)))
                    return
                }
                if principals.isEmpty { print("no principals: this ledger takes names, not signed requests") }
                for p in principals {
                    print(
                        "\(p.name)  \(p.roles.map(\.rawValue).joined(separator: ","))  \(p.status)  key \(p.publicKey.prefix(12))…"
                    )
                }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A reviewer revokes a principal: its requests are refused from now on.")
            @OptionGroup var location: LedgerLocation
            @Option(help: "The principal.")
            var name: String
            @Option(help: "Why (audited).")
            var reason: String
            @Option(help: "The reviewer revoking (audited; default: the identity's name).")
            var actor: String?
            func run() throws {
                try location.open().revokePrincipal(
                    name: name, reason: reason, actor: location.actor(actor, otherwise: "reviewer"))
                print("revoked \(name)")
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The plan's reports, generated from the ledger: an operator's semi-annual security report, the annual operation report.",
            subcommands: [Security.self, Operation.self])

        /// `--period`, `--json`, `--html FILE` of both reports.
        struct Output: ParsableArguments {
            @Option(help: "The period: a year (2026) or a half-year (2026H1, 2026H2), UTC.")
            var period: String
            @Flag(help: "Print JSON.")
            var json = false
            @Option(help: "Also write the report as a self-contained HTML page to FILE (never replaced).")
            var html: String?

            /// JSON with snake_case keys and ISO 8601 times, as the other `--json` outputs.
            func jsonText<T: Encodable>(_ value: T) throws -> String {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                encoder.keyEncodingStrategy = .convertToSnakeCase
                return String(decoding: try encoder.encode(value), as: UTF8.self)
            }

            func write(_ page: String) throws {
                guard let html else { return }
                guard !FileManager.default.fileExists(atPath: html) else {
                    throw ValidationError("--html \(html) exists; a report file is never replaced")
                }
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .withoutOverwriting)
            }
        }

        struct Security: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "An authorised operator's security report: authorisations and budgets, releases, exports and their checks, refusals by rule, status changes, incidents."
            )
            @OptionGroup var location: LedgerLocation
            @Option(name: .customLong("operator"), help: "The operator.")
            var `operator`: String
            @OptionGroup var output: Output
            func run() throws {
                let report = try location.open(readOnly: true).securityReport(
                    operator: `operator`, period: ReportPeriod(parsing: output.period))
                try output.write(LedgerReportPages.html(report))
                if output.json {
                    print(try output.jsonText(report))
                    return
                }
                print("security report of \(report.operator), \(report.period)")
                for a in report.authorisations {
                    print(
                        "  \(a.scenario): \(a.standing), \(a.budget), spent \(snapBudget(a.spent)), \(a.releasesInPeriod) releases in the period"
                    )
                }
                print("releases \(report.releases), exports \(report.exports.count), refusals \(report.refusals)")
                for (rule, count) in report.refusalsByRule.sorted(by: { $0.key < $1.key }) {
                    print("  refused [\(rule)]: \(count)")
                }
                print("status changes \(report.statusChanges.count), incidents \(report.incidents.count)")
                for incident in report.incidents { print("  " + History.line(incident)) }
            }
        }

        struct Operation: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "The annual operation report: releases, data products and metered costs (rows scanned, CPU, bytes exported) per operator."
            )
            @OptionGroup var location: LedgerLocation
            @OptionGroup var output: Output
            func run() throws {
                let report = try location.open(readOnly: true).operationReport(
                    period: ReportPeriod(parsing: output.period))
                try output.write(LedgerReportPages.html(report))
                if output.json {
                    print(try output.jsonText(report))
                    return
                }
                print("operation report, \(report.period)")
                print(
                    "releases \(report.releases), exports \(report.exports), rows scanned \(report.rowsScanned), bytes scanned \(report.bytesScanned), CPU \(String(format: "%.3f", report.cpuSeconds)) s, bytes exported \(report.bytesExported)"
                )
                for o in report.operators {
                    print(
                        "  \(o.operator): \(o.releases) releases, \(o.exports) exports, \(o.rowsScanned) rows, \(o.bytesScanned) B scanned, \(String(format: "%.3f", o.cpuSeconds)) s CPU, \(o.bytesExported) B, \(o.refusals) refusals"
                    )
                }
            }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The regulator signs the audit chain's head with its identity (Ed25519); audit-verify --public-key checks every checkpoint."
        )
        @OptionGroup var location: LedgerLocation
        @Option(help: "Who signs (audited; default: the identity's name).")
        var actor: String?
        func run() throws {
            guard let identity = try location.loadIdentity() else {
                throw ValidationError("a checkpoint is signed: give the regulator's identity file with --identity")
            }
            let ledger = try location.open()
            let checkpoint = try ledger.checkpoint(signingWith: identity.signingKey, actor: actor ?? identity.name)
            print(
                "checkpoint: entry \(checkpoint.sequence), head \(checkpoint.hash), signed \(checkpoint.time.formatted(.iso8601))"
            )
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete audit entries older than a cutoff (never younger than 6 months).")
        @OptionGroup var location: LedgerLocation
        @Option(help: "Cutoff as an ISO 8601 date or time (e.g. 2026-01-01 or 2026-01-01T00:00:00Z).")
        var before: String?
        @Option(help: "Cutoff as this many days before now.")
        var olderThanDays: Int?
        @Option(help: "Who purges (audited; default: the identity's name, else platform).")
        var actor: String?
        func validate() throws {
            if (before == nil) == (olderThanDays == nil) {
                throw ValidationError("give --before DATE or --older-than-days N")
            }
        }
        func run() throws {
            let cutoff: Date
            if let before {
                let text = before.count == 10 ? before + "T00:00:00Z" : before
                guard let date = try? Date(text, strategy: .iso8601) else {
                    throw ValidationError("--before must be an ISO 8601 date, got '\(before)'")
                }
                cutoff = date
            } else {
                cutoff = Date().addingTimeInterval(-Double(olderThanDays!) * 86_400)
            }
            let deleted = try location.open().purgeAudit(
                before: cutoff, actor: location.actor(actor, otherwise: "platform"))
            print("purged \(deleted) audit entries older than \(cutoff.formatted(.iso8601))")
        }
    }
}

/// Prints one authorisation as a line: its standing at `time` (active, expired, …), budget,
/// spent and remaining (snapped, see ``snapBudget(_:)``), window and columns.
func printStatus(_ a: Authorisation, at time: Date) {
    let columns = a.columns.map { "\($0.column)(\($0.level.rawValue))" }.joined(separator: ",")
    print(
        "\(a.operator)/\(a.scenario): \(a.standing(at: time).rawValue), \(a.budget) by \(a.accounting.rawValue), spent \(snapBudget(a.spent)), remaining \(snapBudget(a.remaining)); "
            + "valid \(a.validFrom.formatted(.iso8601)) … \(a.validTo.formatted(.iso8601))"
            + (a.trialUntil > a.validFrom ? " (trial until \(a.trialUntil.formatted(.iso8601)))" : "")
            + "; columns \(columns)"
            + (a.releaseForms.map { "; forms \($0.map(\.rawValue).joined(separator: ","))" } ?? "")
            + (a.exportRequirements.map { "; exports: \(describe($0))" } ?? ""))
}

/// A review's export requirements in one phrase.
func describe(_ r: ExportRequirements) -> String {
    var parts: [String] = []
    if let k = r.minimumK { parts.append("k ≥ \(k)") }
    if let l = r.l, let s = r.sensitive { parts.append("distinct \(l)-diversity of \(s)") }
    if let t = r.t, let s = r.sensitive { parts.append("\(t)-closeness of \(s)") }
    if !r.hierarchies.isEmpty { parts.append("hierarchies of \(r.hierarchies.keys.sorted().joined(separator: ","))") }
    return parts.joined(separator: ", ")
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A budget figure for display: values within 10⁻⁹ of 0 print as 0 (floating-point residue
/// such as 2 − 0.5 × 4 = 1.1e-16 is not budget), everything else unchanged.
func snapBudget(_ x: Double) -> Double { abs(x) < 1e-9 ? 0 : x }

/// `ledger audit-verify --json`: numbers and booleans, not strings.
struct AuditVerifyOutput: Encodable {
    /// Whether the chain, the state and the checkpoints (when asked) verify.
    var ok: Bool
    /// Entries verified (when the chain verifies).
    var entries: Int? = nil
    /// The head hash (when the chain verifies).
    var head: String? = nil
    /// The first bad entry (when broken).
    var brokenAt: Int64? = nil
    /// Why it is broken.
    var reason: String? = nil
    /// Every object whose row the chain does not vouch for.
    var disagreements: [String] = []
    /// Checkpoints by the given key that verify (with --public-key).
    var checkpointsVerified: Int? = nil
    /// The latest verified checkpoint's entry.
    var latestCheckpoint: Int64? = nil
    /// Checkpoint failures (with --public-key).
    var checkpointFailures: [String]? = nil

    /// Signatures that verify (a ledger that takes signed requests).
    var signaturesVerified: Int? = nil
    /// Refusals of unauthenticated requests on record (unsigned by design).
    var unauthenticatedRefusals: Int? = nil
    /// Signature failures (a ledger that takes signed requests).
    var signatureFailures: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case ok, entries, head, brokenAt = "broken_at", reason, disagreements
        case checkpointsVerified = "checkpoints_verified", latestCheckpoint = "latest_checkpoint"
        case checkpointFailures = "checkpoint_failures"
        case signaturesVerified = "signatures_verified", unauthenticatedRefusals = "unauthenticated_refusals"
        case signatureFailures = "signature_failures"
    }
}

/// One principal in `ledger principal list --json`.
struct PrincipalOutput: Encodable {
    let name: String
    let roles: [String]
    let status: String
    let publicKey: String
    let registeredAt: String

    init(_ p: PrivacyLedger.Principal) {
        name = p.name
        roles = p.roles.map(\.rawValue)
        status = p.status
        publicKey = p.publicKey
        registeredAt = p.registeredAt.formatted(.iso8601)
    }

    enum CodingKeys: String, CodingKey {
        case name, roles, status, publicKey = "public_key", registeredAt = "registered_at"
    }
}

/// One authorisation's budget in `ledger status --json`: numbers, never text.
struct BudgetOutput: Encodable {
    /// `pure`, `approximate` or `zCDP`.
    let type: String
    let epsilon: Double?
    let delta: Double?
    let rho: Double?
}

/// One allowed column in `ledger status --json`.
struct ColumnOutput: Encodable {
    let dataset: String
    let name: String
    let level: Int
}

/// One authorisation in `ledger status --json`.
struct StatusOutput: Encodable {
    let id: Int64
    let `operator`: String
    let scenario: String
    /// The standing at the time of the listing: active, not-yet-valid, expired, suspended, terminated.
    let status: String
    /// The stored life-cycle status (active, suspended, terminated).
    let lifecycle: String
    let budget: BudgetOutput
    let accounting: String
    /// In the budget's terms (ε, ε at the budget's δ, or ρ); within 10⁻⁹ of 0 is 0.
    let spent: Double
    let remaining: Double
    let valid_from: Date
    let trial_until: Date
    let valid_to: Date
    /// Column names (every column of an authorisation is of one dataset).
    let columns: [String]
    /// The dataset(s) of the columns.
    let datasets: [String]
    /// Each column with its dataset and current classification level.
    let column_levels: [ColumnOutput]
    /// Metered cost of the authorisation's releases (rows, CPU, bytes).
    var cost: CostSummary?
    /// The forms the review allows (absent: any).
    let release_forms: [String]?
    /// What the review requires of microdata exports (absent: the platform's policy alone).
    let export_requirements: String?

    init(_ a: Authorisation, at time: Date) {
        id = a.id
        `operator` = a.operator
        scenario = a.scenario
        status = a.standing(at: time).rawValue
        lifecycle = a.status.rawValue
        switch a.budget {
        case let .pure(e): budget = BudgetOutput(type: "pure", epsilon: e, delta: nil, rho: nil)
        case let .approximate(e, d): budget = BudgetOutput(type: "approximate", epsilon: e, delta: d, rho: nil)
        case let .zCDP(r): budget = BudgetOutput(type: "zCDP", epsilon: nil, delta: nil, rho: r)
        }
        accounting = a.accounting.rawValue
        spent = snapBudget(a.spent)
        remaining = snapBudget(a.remaining)
        valid_from = a.validFrom
        trial_until = a.trialUntil
        valid_to = a.validTo
        columns = a.columns.map(\.column)
        var seen: [String] = []
        for c in a.columns where !seen.contains(c.dataset) { seen.append(c.dataset) }
        datasets = seen
        column_levels = a.columns.map { ColumnOutput(dataset: $0.dataset, name: $0.column, level: $0.level.rawValue) }
        release_forms = a.releaseForms?.map(\.rawValue)
        export_requirements = a.exportRequirements.map(describe)
    }
}

/// One release in `ledger history --json`.
struct HistoryOutput: Encodable {
    let id: String
    let kind: String
    let `operator`: String
    let scenario: String
    let dataset: String
    let query: String
    let epsilon: Double?
    let delta: Double?
    let rho: Double?
    let noise_scale: Double?
    let result_digest: String?
    let rows_scanned: Int64?
    let bytes_scanned: Int64?
    let cpu_seconds: Double?
    let bytes_exported: Int64?
    let time: Date
    let completed_at: Date?

    init(_ r: ReleaseRecord) {
        id = r.id
        kind = r.kind
        `operator` = r.operator
        scenario = r.scenario
        dataset = r.dataset
        query = r.query
        epsilon = r.epsilon
        delta = r.delta
        rho = r.rho
        noise_scale = r.noiseScale
        result_digest = r.resultDigest
        rows_scanned = r.rowsScanned
        bytes_scanned = r.bytesScanned
        cpu_seconds = r.cpuSeconds
        bytes_exported = r.bytesExported
        time = r.chargedAt
        completed_at = r.completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, `operator`, scenario, dataset, query, epsilon, delta, rho, noise_scale, result_digest
        case rows_scanned, bytes_scanned, cpu_seconds, bytes_exported, time, completed_at
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(`operator`, forKey: .operator)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(query, forKey: .query)
        // ε, δ and the digest are always present (null when not applicable or not yet recorded).
        try c.encode(epsilon, forKey: .epsilon)
        try c.encode(delta, forKey: .delta)
        try c.encodeIfPresent(rho, forKey: .rho)
        try c.encode(noise_scale, forKey: .noise_scale)
        try c.encode(result_digest, forKey: .result_digest)
        try c.encode(rows_scanned, forKey: .rows_scanned)
        try c.encode(bytes_scanned, forKey: .bytes_scanned)
        try c.encode(cpu_seconds, forKey: .cpu_seconds)
        try c.encode(bytes_exported, forKey: .bytes_exported)
        try c.encode(time, forKey: .time)
        try c.encode(completed_at, forKey: .completed_at)
    }
}
