import Crypto
import DifferentialPrivacy
import Foundation
import SecureRandom

// How the ledger stores values: text checks, JSON, budgets, accountants and digests.
extension SQLiteLedger {
    // MARK: Coding helpers

    /// Refuses a blank (empty or whitespace-only) audited text: a name, reason or actor that
    /// the audit log must be able to show.
    ///
    /// - Throws: ``PrivacyLedgerError/invalidParameter(name:value:reason:)`` naming `name`.
    static func requireText(_ value: String, name: String) throws(PrivacyLedgerError) {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidParameter(
                name: name, value: "'\(value)'", reason: "must not be blank (it is recorded in the audit log)")
        }
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func json<T: Encodable>(_ value: T) throws(PrivacyLedgerError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw .storage(reason: "cannot encode: \(error)")
        }
    }

    /// Decoded budgets by their stored JSON: a budget never changes after the grant, and the
    /// release path reads it twice per release.
    static let budgetCache = BudgetCache()

    static func decodeBudget(_ text: String) throws -> PrivacyBudget {
        if let cached = budgetCache.lookup(text) { return cached }
        let budget = try JSONDecoder().decode(PrivacyBudget.self, from: Data(text.utf8))
        budgetCache.store(budget, for: text)
        return budget
    }

    static func encode(_ accountant: any PrivacyAccountant) throws(PrivacyLedgerError) -> String {
        guard let encodable = accountant as? any Encodable else {
            throw .storage(reason: "accountant \(accountant.name) is not encodable")
        }
        return try json(encodable)
    }

    static func decodeAccountant(_ method: AccountingMethod, _ text: String) throws -> any PrivacyAccountant {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        switch method {
        case .basic: return try decoder.decode(PureAccountant.self, from: data)
        case .advanced: return try decoder.decode(ApproximateAccountant.self, from: data)
        case .zCDP: return try decoder.decode(ZCDPAccountant.self, from: data)
        case .rdp: return try decoder.decode(RDPAccountant.self, from: data)
        case .pld: return try decoder.decode(PLDAccountant.self, from: data)
        }
    }

    static func sha256Hex(_ data: some DataProtocol) -> String {
        Hexadecimal.encode(SHA256.hash(data: data))
    }
}
