import Anonymity
import DifferentialPrivacy
import Foundation
public import HTTPTypes
import PrivacyLedger
import PrivateLearning
import Scenarios
import Tabular

/// An answer of the platform service that is not a result: an HTTP status, the rule that
/// refused (the ledger's rule names, `[budget-exhausted]` and so on, or the service's own:
/// `not-found`, `bad-request`, `payload-too-large`) and a message that names no path of the
/// service's machine. Sent as `{"error": RULE, "message": TEXT}`.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The rule that refused.
    public let rule: String
    /// What went wrong, for the caller.
    public let message: String

    /// An error with its status, rule and message.
    public init(_ status: HTTPResponse.Status, rule: String, _ message: String) {
        self.status = status
        self.rule = rule
        self.message = message
    }

    /// `[rule] message (HTTP status)`.
    public var description: String { "[\(rule)] \(message) (HTTP \(status.code))" }

    /// The one answer for a dataset or authorisation the caller cannot see: the same whether
    /// it does not exist or belongs to someone else, so that a refusal does not reveal
    /// existence.
    static func notFound(_ message: String) -> ServiceError {
        ServiceError(.notFound, rule: "not-found", message)
    }

    /// The one answer of a release or export for a dataset the caller holds no authorisation
    /// for (none for the scenario, or one naming another dataset, or no such dataset).
    static let noSuchAuthorisedDataset = notFound(
        "no dataset of that name under an authorisation of yours for this scenario")

    /// The answer for a ledger refusal, with every mention of the service's directories removed.
    ///
    /// Refusals that would tell an operator whether a dataset or another operator's
    /// authorisation exists (`no-authorisation`, `dataset-not-authorised`, `unknown-dataset`)
    /// all become the same ``notFound(_:)``.
    static func from(_ error: PrivacyLedgerError, hiding roots: [String]) -> ServiceError {
        let message = redact(error.description, hiding: roots)
        switch error {
        case .unauthenticated: return ServiceError(.unauthorized, rule: error.rule, message)
        case .noAuthorisation, .datasetNotAuthorised, .unknownDataset:
            return noSuchAuthorisedDataset
        case let .exportRefused(rule, _) where rule == "not-found":
            return notFound("no export of yours by that name")
        case let .exportRefused(rule, _) where rule == "downloaded":
            return ServiceError(.gone, rule: error.rule, message)
        case .roleNotHeld, .suspended, .terminated, .expired, .notYetValid, .columnNotAuthorised, .levelFourColumn,
            .identifierColumn, .budgetExhausted, .formNotAuthorised, .exportRefused, .platformMode:
            return ServiceError(.forbidden, rule: error.rule, message)
        case .alreadyAuthorised, .invalidTransition, .datasetChanged, .stateTampered, .auditChainBroken, .purgeTooYoung:
            return ServiceError(.conflict, rule: error.rule, message)
        case .invalidParameter, .unknownColumn, .release, .invalidIdentity:
            return ServiceError(.unprocessableContent, rule: error.rule, message)
        case .storage, .notALedger:
            return ServiceError(.internalServerError, rule: error.rule, "the ledger could not complete the request")
        }
    }

    /// The answer for any error a route throws.
    static func from(_ error: any Error, hiding roots: [String]) -> ServiceError {
        switch error {
        case let error as ServiceError: return error
        case let error as PrivacyLedgerError: return from(error, hiding: roots)
        case let error as DifferentialPrivacyError:
            return ServiceError(
                .unprocessableContent, rule: "release-refused", redact(error.description, hiding: roots))
        case let error as ScenarioError:
            return ServiceError(
                .unprocessableContent, rule: "scenario-refused", redact(error.description, hiding: roots))
        case let error as PrivateLearningError:
            if case let .refused(inner) = error { return from(inner, hiding: roots) }
            if case let .privacy(inner) = error { return from(inner, hiding: roots) }
            return ServiceError(.unprocessableContent, rule: "model-refused", redact(error.description, hiding: roots))
        case let error as AnonymityError:
            return ServiceError(.unprocessableContent, rule: "anonymity", redact("\(error)", hiding: roots))
        case let error as TabularError:
            return ServiceError(.unprocessableContent, rule: "bad-table", redact("\(error)", hiding: roots))
        case is DecodingError:
            return ServiceError(.badRequest, rule: "bad-request", "the body is not the JSON this route takes")
        default:
            return ServiceError(.internalServerError, rule: "internal", "the service could not complete the request")
        }
    }

    /// `text` with the service's directories (the data root, the export area) removed, so a
    /// dataset or an export reads as its name and no path of the machine leaves.
    static func redact(_ text: String, hiding roots: [String]) -> String {
        roots.reduce(text) { $0.replacingOccurrences(of: $1 + "/", with: "") }
    }
}
