import Foundation
import Testing
import Tabular
@testable import Anonymity

@Suite("Issue 12: lattice limit and search progress")
struct Issue12AnonymityTests {
    /// A hierarchy of `levels` levels over the values v0…v7 (level j groups 2^j… values, the
    /// last level is `*`).
    static func hierarchy(_ name: String, levels: Int) throws -> Hierarchy {
        let rows = (0..<8).map { v in
            (0..<levels).map { level in
                level == 0 ? "v\(v)" : level == levels - 1 ? "*" : "g\(level)-\(v >> min(level, 3))"
            }
        }
        return try Hierarchy(attribute: name, rows: rows)
    }

    @Test("Issue 12 C-lattice: an 8^8 lattice is refused up front with a typed error, before any row is read")
    func oversizedLatticeRefusedUpFront() throws {
        let names = (0..<8).map { "q\($0)" }
        // Values that no hierarchy lists: reading the rows would fail with valueMissingFromHierarchy,
        // so the lattice error proves the refusal comes before the table is read.
        let table = try Table(columns: names.map { try Column($0, strings: ["not-in-hierarchy", "x"]) })
        var hierarchies: [String: Hierarchy] = [:]
        for name in names { hierarchies[name] = try Self.hierarchy(name, levels: 8) }
        #expect(Anonymiser.latticeSize(names.map { hierarchies[$0]! }) == 16_777_216)
        let start = Date()
        #expect(throws: AnonymityError.latticeTooLarge(nodes: 16_777_216, limit: 1_000_000)) {
            _ = try Anonymiser.generalise(
                table, quasiIdentifiers: names, hierarchies: hierarchies,
                models: [.kAnonymity(k: 2)], suppressionLimit: 0)
        }
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(Anonymiser.maximumLatticeSize == 1_000_000)
        let message = AnonymityError.latticeTooLarge(nodes: 16_777_216, limit: 1_000_000).description
        #expect(message.contains("16777216 transformations") && message.contains("limit of 1000000"))
    }

    @Test("Issue 12 C-lattice: the search reports its phases and evaluations to the progress callback")
    func progressReported() throws {
        let problem = try SmallProblem(rows: 400, seed: 5)
        var steps: [GeneralisationProgress] = []
        let result = try Anonymiser.generalise(
            problem.table, quasiIdentifiers: SmallProblem.quasiIdentifiers,
            hierarchies: problem.hierarchies, models: [.kAnonymity(k: 3)],
            suppressionLimit: 0.02
        ) { steps.append($0) }
        #expect(steps.first?.phase == .preparing)
        #expect(steps.contains { $0.phase == .ordering } && steps.contains { $0.phase == .searching })
        let last = try #require(steps.last)
        #expect(
            last.phase == .finished && last.evaluated == result.nodesEvaluated && last.latticeSize == result.latticeSize
        )
        #expect(last.visited >= 1 && last.visited <= result.latticeSize)
        // Evaluations are reported one by one, never backwards.
        let evaluated = steps.map(\.evaluated)
        #expect(zip(evaluated, evaluated.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(steps.filter { $0.phase == .searching }.count >= result.nodesEvaluated)
    }
}
