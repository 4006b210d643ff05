import Tabular

/// Every way an anonymity check, hierarchy or generalisation can fail, each naming the column,
/// value, level or parameter at fault.
public enum AnonymityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A column name that the table does not have.
    case unknownColumn(name: String, available: [String])
    /// A quasi-identifier listed twice, or used as the sensitive attribute as well.
    case duplicateColumn(name: String)
    /// No quasi-identifiers were given.
    case noQuasiIdentifiers
    /// A value of `column` that its hierarchy does not list at level 0.
    case valueMissingFromHierarchy(column: String, value: String)
    /// A quasi-identifier of the generalisation search without a hierarchy.
    case missingHierarchy(column: String)
    /// A hierarchy row with a different number of levels than the first row (1-based `row`).
    case raggedHierarchy(attribute: String, row: Int, expected: Int, found: Int)
    /// A value listed twice at level 0 of a hierarchy.
    case duplicateHierarchyValue(attribute: String, value: String)
    /// A value at `level` that generalises to two different values at `level + 1`.
    case inconsistentHierarchy(attribute: String, value: String, level: Int, parents: [String])
    /// A hierarchy with no rows or no levels.
    case emptyHierarchy(attribute: String)
    /// k below 2 (every table is 1-anonymous).
    case invalidK(Int)
    /// l below 1 (or, for recursive (c,l)-diversity, c not positive).
    case invalidL(Double)
    /// t outside (0, 1].
    case invalidT(Double)
    /// A suppression limit outside [0, 1).
    case invalidSuppressionLimit(Double)
    /// Any other argument outside its valid range; `name` is the parameter.
    case invalidArgument(name: String, reason: String)
    /// A check that needs a sensitive attribute was asked without one.
    case missingSensitiveAttribute(check: String)
    /// The generalisation lattice (the product of the hierarchies' level counts, `nodes`) is
    /// larger than ``Anonymiser/maximumLatticeSize`` (`limit`); raised before the table is read.
    case latticeTooLarge(nodes: Double, limit: Int)
    /// No transformation of the lattice satisfies the privacy models within the suppression limit.
    case noSolution(reason: String)
    /// A hierarchy or output file could not be read or written.
    case io(file: String, reason: String)
    /// A check streamed over a file whose state (`what`: the equivalence classes and sensitive
    /// counts met so far) outgrew half of the memory limit (`limit` bytes).
    case memoryLimitExceeded(what: String, limit: Int)

    /// A one-line message naming what is wrong and where.
    public var description: String {
        switch self {
        case let .unknownColumn(name, available):
            return "no column \"\(name)\"; the table has \(available.joined(separator: ", "))"
        case let .duplicateColumn(name):
            return "column \"\(name)\" is given more than once (as quasi-identifier or sensitive attribute)"
        case .noQuasiIdentifiers: return "no quasi-identifiers given"
        case let .valueMissingFromHierarchy(column, value):
            return
                "column \"\(column)\": value \"\(TabularError.excerpt(value))\" is missing from level 0 of its hierarchy"
        case let .missingHierarchy(column): return "quasi-identifier \"\(column)\" has no hierarchy"
        case let .raggedHierarchy(attribute, row, expected, found):
            return "hierarchy of \"\(attribute)\": row \(row) has \(found) levels, the first row has \(expected)"
        case let .duplicateHierarchyValue(attribute, value):
            return "hierarchy of \"\(attribute)\": value \"\(value)\" is listed more than once at level 0"
        case let .inconsistentHierarchy(attribute, value, level, parents):
            return
                "hierarchy of \"\(attribute)\": value \"\(value)\" at level \(level) has two parents at level \(level + 1): \(parents.map { "\"\($0)\"" }.joined(separator: " and "))"
        case let .emptyHierarchy(attribute): return "hierarchy of \"\(attribute)\" is empty"
        case let .invalidK(k): return "invalid k = \(k): k must be at least 2"
        case let .invalidL(l): return "invalid l = \(l): l must be at least 1"
        case let .invalidT(t): return "invalid t = \(t): t must be in (0, 1]"
        case let .invalidSuppressionLimit(s): return "invalid suppression limit \(s): it must be in [0, 1)"
        case let .invalidArgument(name, reason): return "invalid \(name): \(reason)"
        case let .missingSensitiveAttribute(check): return "\(check) needs a sensitive attribute"
        case let .latticeTooLarge(nodes, limit):
            let count = nodes < 1e18 ? String(Int64(nodes)) : "\(nodes)"
            return
                "the generalisation lattice has \(count) transformations (the product of the hierarchies' level counts), more than the limit of \(limit); drop levels from a hierarchy or a quasi-identifier from the search"
        case let .noSolution(reason): return "no transformation satisfies the privacy models: \(reason)"
        case let .io(file, reason): return "\(file): \(reason)"
        case let .memoryLimitExceeded(what, limit):
            return "\(what) need more than half of the memory limit of \(limit >> 20) MiB; raise the memory limit"
        }
    }
}
