public import PrivacyAccounting
public import SecureRandom

// The release gate's public doors for queries, selections and the sparse vector: each plans
// its charge here, next to the mechanism it samples, and goes through the package-internal
// gate of `PrivacyAccounting` (`BudgetStore.recordedRelease` / `charged`), which charges
// before anything is sampled.

extension BudgetStore {
    /// **The release gate.** Validates the request, charges this store (one atomic step, see
    /// ``charge(_:)``), and only then samples noise onto `partial`; the store records the
    /// outcome before the release is returned.
    ///
    /// - Parameters:
    ///   - partial: the merged, noise-free partial (``DPQuery/partial(over:chunkCount:)``).
    ///   - mechanism: the additive noise (quantiles always use the exponential mechanism and
    ///     need ε, or ρ converted as ε = √(2ρ)).
    ///   - parameters: ε, (ε, δ) or ρ for this release.
    /// - Returns: the release.
    /// - Throws: ``BudgetStore/Refusal``: bad parameters, a mechanism that does not suit the query
    ///   (partition selection needs a Laplace-family mechanism and δ), the store's refusal, or a
    ///   random-source failure. On any error nothing is released; budget is charged only if
    ///   the error happens after the store accepted the charge (recording the outcome failed).
    /// - Complexity: O(cells of `partial`) after the charge.
    public func release(
        _ partial: QueryPartial, mechanism: NoiseMechanism,
        parameters: NoiseParameters
    ) throws(Refusal) -> DPRelease {
        var generator = try Self.systemGenerator()
        return try gatedRelease(partial, mechanism: mechanism, parameters: parameters, generator: &generator).release
    }

    /// The release gate with a given generator, returning the charge and receipt too (tests
    /// pass deterministic generators; the ledger reads the receipt).
    package func gatedRelease(
        _ partial: QueryPartial, mechanism: NoiseMechanism, parameters: NoiseParameters,
        generator: inout SecureRandomGenerator
    ) throws(Refusal) -> GatedRelease<DPRelease, OutcomeReceipt> {
        let plan: ReleasePlan, request: ChargeRequest
        do {
            plan = try ReleasePlan(partial: partial, mechanism: mechanism, parameters: parameters)
            request = try ChargeRequest(
                stated: plan.stated, mechanism: plan.mechanismEvent, description: partial.query.releaseDescription)
        } catch { throw Self.refusal(error) }
        return try recordedRelease(request, noiseScale: { $0.noiseScale }) { plan.sample(using: &generator) }
    }

    /// **Selection through the gate**: charges pure ε, then picks an index of `scores` by
    /// permute-and-flip (McKenna & Sheldon 2020; `ExponentialMechanism.permuteAndFlip`, package-internal).
    ///
    /// - Parameters:
    ///   - scores: integer utilities computed from the data (higher is better); not empty.
    ///   - epsilon: ε spent, > 0.
    ///   - sensitivity: how much one privacy unit can change any score, ≥ 1.
    ///   - description: what is selected, for the record.
    /// - Throws: ``BudgetStore/Refusal`` for bad parameters (nothing charged), a refused charge, or a
    ///   random-source failure (before charging).
    /// - Complexity: O(`scores.count`) expected.
    public func select(scores: [Int64], epsilon: Double, sensitivity: Int64, description: String) throws(Refusal) -> Int
    {
        var generator = try Self.systemGenerator()
        return try charged(
            stated: .pureEpsilon(epsilon), mechanism: .pureEpsilon(epsilon), description: description,
            validate: { () throws(DifferentialPrivacyError) in
                _ = try ExponentialMechanism.validatedEpsilon(
                    scores: scores, epsilon: epsilon, sensitivity: sensitivity)
            }
        ) { () throws(DifferentialPrivacyError) -> Int in
            try ExponentialMechanism.permuteAndFlip(
                scores: scores, epsilon: epsilon, sensitivity: sensitivity, using: &generator)
        }
    }

    /// **AboveThreshold through the gate**: charges pure ε for the whole run (however many
    /// queries it answers), then returns the prepared ``SparseVector`` with its threshold noise
    /// drawn. Use its `isAboveThreshold(_:using:)` with `generator`.
    ///
    /// - Throws: ``BudgetStore/Refusal`` for bad parameters (nothing charged) or a refused charge.
    /// - Complexity: O(1) expected.
    public func aboveThreshold(
        threshold: Int64, epsilon: Double, sensitivity: Int64, description: String,
        using generator: inout SecureRandomGenerator
    ) throws(Refusal) -> SparseVector {
        let event = SparseVector.event(epsilon: epsilon)
        return try charged(
            stated: event, mechanism: event, description: description,
            validate: { () throws(DifferentialPrivacyError) in
                // The same checks as SparseVector's initialiser, before charging.
                _ = try SparseVector.scales(epsilon: epsilon, sensitivity: sensitivity)
            }
        ) { () throws(DifferentialPrivacyError) -> SparseVector in
            try SparseVector(threshold: threshold, epsilon: epsilon, sensitivity: sensitivity, using: &generator)
        }
    }

}

extension DPQuery {
    /// What a release of this query is called in charges and ledger entries:
    /// `statistic(column)` and ` by group` when grouped, such as `mean(fare) by district`.
    public var releaseDescription: String {
        "\(statistic.rawValue)(\(column ?? "*"))" + (groupBy.map { " by \($0)" } ?? "")
    }
}
