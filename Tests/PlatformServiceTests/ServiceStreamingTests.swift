import Foundation
@testable import PlatformService
import PrivacyLedger
import Testing
import _TestSupport

/// Issue 18 in the service: a dataset larger than a quarter of the memory limit is not cached
/// whole; its releases stream the file and check the registered digest on the bytes they parse.
@Suite("Platform service: releases over datasets larger than its memory limit", .serialized)
struct ServiceStreamingTests {
    @Test("a 5 MB dataset under a 16 MiB limit: released by streaming, bytes metered, a swapped file refused")
    func streamedRelease() async throws {
        let running = try await RunningService.start(memoryLimit: 16 << 20)
        defer { Task { await running.stop() } }
        let upload = try await running.send(
            running.steward, "PUT", "/v1/datasets/trips", body: RunningService.tripsCSV(rows: 300_000))
        #expect(upload.status == 201, "\(upload.text)")
        let grant = try await running.send(
            running.reviewer, "POST", "/v1/authorisations",
            json: #"{"operator": "op", "scenario": "fares", "dataset": "trips", "columns": ["fare", "district"], "epsilon": 1}"#)
        #expect(grant.status == 201, "\(grant.text)")
        let path = running.directory.file("data/trips")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 4 << 20, "the file must be above a quarter of the limit")

        let release = try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest)
        #expect(release.status == 200, "\(release.text)")
        let value = try #require(RunningService.object(release.text)["value"] as? Double)
        #expect(abs(value - 300_000) < 1_000, "a count of 300,000 rows with ε = 0.1")
        #expect(try running.ledger.history(operator: "op").last?.bytesScanned == Int64(size))
        #expect(running.service.datasets.cachedDatasets.isEmpty, "a large dataset is streamed, not cached")

        // Contribution bounding spills inside the data root's owner-only spill directory, and
        // leaves nothing there.
        let bounded = try await running.send(
            running.op, "POST", "/v1/releases",
            json:
                #"{"scenario": "fares", "dataset": "trips", "statistic": "sum", "column": "fare", "lower": 0, "upper": 20, "privacy_unit": "district", "max_contributions_per_partition": 3, "epsilon": 0.1}"#)
        #expect(bounded.status == 200, "\(bounded.text)")
        let spill = running.directory.file("data/.spill")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spill) == [])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: spill)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the spill directory is the owner's only")

        // The file swapped on disk behind the service: refused, on record, nothing charged.
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "Xihu", with: "Xihi")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let refused = try await running.send(running.op, "POST", "/v1/releases", json: RunningService.countRequest)
        #expect(refused.status >= 400 && refused.text.contains("dataset-changed"), "\(refused.text)")
        let released = try running.ledger.history(operator: "op").count
        #expect(released == 2, "the two releases before the swap")
        #expect(try running.ledger.refusals(operator: "op").last?.rule == "dataset-changed")
    }
}
