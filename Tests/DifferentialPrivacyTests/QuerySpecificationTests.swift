import DifferentialPrivacy
import Foundation
import Testing

/// Issue 17 ("CLI as a thin shell"): the rules between loose query options live in the library
/// (`DPQuerySpecification`), so the CLI, a JSON request body and a C caller build the same
/// query and get the same typed refusals.
@Suite("Query specifications: loose options to a validated query")
struct QuerySpecificationTests {
    static func specification(
        _ statistic: DPStatistic, _ column: String?, _ edit: (inout DPQuerySpecification) -> Void
    )
        -> DPQuerySpecification
    {
        var options = DPQuerySpecification(statistic: statistic, column: column)
        edit(&options)
        return options
    }

    @Test("each valid combination builds the query its builder methods would")
    func buildsQueries() throws {
        let mean = try Self.specification(.mean, "fare") {
            $0.lower = 0
            $0.upper = 50
            $0.groupBy = "district"
            $0.selectPartitions = true
            $0.privacyUnit = "card"
            $0.maxPartitionsPerUnit = 2
            $0.maxContributionsPerPartition = 3
            $0.nonFiniteValues = .drop
        }.query()
        #expect(
            mean
                == DPQuery.mean(of: "fare", clampedTo: 0...50).grouped(by: "district", keys: .selected)
                .boundingContributions(privacyUnit: "card", maxPartitionsPerUnit: 2, maxContributionsPerPartition: 3)
                .handlingNonFiniteValues(.drop))

        let median = try Self.specification(.quantiles, "fare") {
            $0.lower = 0
            $0.upper = 80
        }.query()
        #expect(median.quantileLevels == [0.5])

        let bins = try Self.specification(.histogram, "age") {
            $0.lower = 0
            $0.upper = 100
            $0.histogramBins = 10
        }.query()
        #expect(bins == DPQuery.histogram(of: "age", bins: 10, over: 0...100).boundingContributions(privacyUnit: nil))

        let categories = try Self.specification(.histogram, "district") { $0.keys = ["A", "B"] }.query()
        #expect(categories.keys == .declared(["A", "B"]) && categories.groupBy == "district")

        #expect(
            try DPQuerySpecification(statistic: .count).query()
                == DPQuery.count().boundingContributions(privacyUnit: nil))
    }

    @Test(
        "each broken rule is refused by the name of the option at fault",
        arguments: [
            (
                "keys",
                specification(.sum, "fare") {
                    $0.groupBy = "d"
                    $0.keys = ["a"]
                    $0.selectPartitions = true
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
            (
                "groupBy",
                specification(.sum, "fare") {
                    $0.keys = ["a"]
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
            (
                "keys",
                specification(.mean, "fare") {
                    $0.groupBy = "district"
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
            ("column", specification(.histogram, nil) { $0.keys = ["a"] }),
            (
                "histogramBins",
                specification(.histogram, "age") {
                    $0.histogramBins = 4
                    $0.lower = 0
                }
            ),
            (
                "histogramBins",
                specification(.histogram, "age") {
                    $0.histogramBins = 0
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
            (
                "histogramBins",
                specification(.mean, "age") {
                    $0.histogramBins = 4
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
            (
                "keys",
                specification(.histogram, "age") {
                    $0.histogramBins = 4
                    $0.lower = 0
                    $0.upper = 1
                    $0.keys = ["x"]
                }
            ),
            ("keys", specification(.histogram, "district") { _ in }),
            (
                "quantileLevels",
                specification(.sum, "fare") {
                    $0.quantileLevels = [0.5]
                    $0.lower = 0
                    $0.upper = 1
                }
            ),
        ])
    func refusesByName(option: String, specification: DPQuerySpecification) {
        do {
            _ = try specification.query()
            Issue.record("accepted: \(specification)")
        } catch {
            guard case let .invalidParameter(name, _, _) = error else {
                Issue.record("expected invalidParameter(\(option)), got \(error)")
                return
            }
            #expect(name == option, "\(error)")
        }
    }

    @Test("the built query is validated: reversed bounds and levels outside [0, 1] are refused")
    func validatesTheQuery() {
        #expect(throws: DifferentialPrivacyError.self) {
            try Self.specification(.sum, "fare") {
                $0.lower = 5
                $0.upper = 1
            }.query()
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try Self.specification(.histogram, "age") {
                $0.lower = 5
                $0.upper = 1
                $0.histogramBins = 3
            }.query()
        }
        #expect(throws: DifferentialPrivacyError.self) {
            try Self.specification(.quantiles, "fare") {
                $0.lower = 0
                $0.upper = 1
                $0.quantileLevels = [1.5]
            }.query()
        }
    }

    @Test("a JSON body with only some fields decodes with the initialiser's defaults and builds the same query")
    func decodesPartialJSON() throws {
        let json = #"{"statistic":"sum","column":"fare","lower":0,"upper":80,"groupBy":"district","keys":["A","B"]}"#
        let decoded = try JSONDecoder().decode(DPQuerySpecification.self, from: Data(json.utf8))
        let expected = Self.specification(.sum, "fare") {
            $0.lower = 0
            $0.upper = 80
            $0.groupBy = "district"
            $0.keys = ["A", "B"]
        }
        #expect(decoded == expected)
        #expect(try decoded.query() == expected.query())
        let roundTrip = try JSONDecoder().decode(DPQuerySpecification.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DPQuerySpecification.self, from: Data(#"{"column":"fare"}"#.utf8))
        }
    }
}
