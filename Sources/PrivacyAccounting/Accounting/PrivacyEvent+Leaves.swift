/// The indivisible events of a ``PrivacyEvent`` tree, with their multiplicities.
extension PrivacyEvent {
    /// Calls `body(leaf, count)` for every event that is neither `.composed` nor `.repeated`,
    /// where `count` is the product of the enclosing repetition counts. Leaves appear in the
    /// order of the tree (adaptive composition order).
    ///
    /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:reason:)`` when nested
    ///   counts overflow `Int`, and whatever `body` throws.
    /// - Complexity: O(number of nodes).
    func forEachLeaf(
        multiplicity: Int = 1,
        _ body: (PrivacyEvent, Int) throws(DifferentialPrivacyError) -> Void
    ) throws(DifferentialPrivacyError) {
        switch self {
        case let .composed(events):
            for event in events { try event.forEachLeaf(multiplicity: multiplicity, body) }
        case let .repeated(event, count):
            let (product, overflow) = multiplicity.multipliedReportingOverflow(by: count)
            guard !overflow else {
                throw .invalidParameter(
                    name: "count", value: "\(multiplicity) × \(count)",
                    reason: "the total number of repetitions overflows")
            }
            try event.forEachLeaf(multiplicity: product, body)
        default:
            try body(self, multiplicity)
        }
    }
}
