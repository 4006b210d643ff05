import Testing
import Foundation
import Crypto
@_spi(Testing) import SecureRandom
@testable import SecureAggregation
import SecureAggregationTransport
import _TestSupport

/// Parties and server over real TCP on loopback: in-process threads, and the built CLI as
/// separate processes with one party killed mid-round.
@Suite("SecAgg transport over TCP", .serialized)
struct SecAggTransportTests {
    /// Server on a background thread; returns the port once listening, and the outcome later.
    final class ServerRun: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let listening = DispatchSemaphore(value: 0)
        var port = 0
        var result: Result<SecAggTCPServer.Outcome, SecAggTransportError>?

        init(configuration: SecAggConfiguration, roundTimeout: Double, joinTimeout: Double = 20) {
            var settings = SecAggTCPServer.Options()
            settings.roundTimeout = roundTimeout
            settings.joinTimeout = joinTimeout
            let options = settings
            Thread.detachNewThread { [self] in
                do throws(SecAggTransportError) {
                    let outcome = try SecAggTCPServer.run(
                        configuration: configuration, options: options,
                        onListening: { port in
                            self.port = port
                            self.listening.signal()
                        })
                    result = .success(outcome)
                } catch {
                    result = .failure(error)
                }
                listening.signal()
                done.signal()
            }
            listening.wait()
        }
    }

    @Test func threadsOverLoopbackWithAHungPartyAndAGarbageClient() throws {
        let configuration = try SecAggFixture.configuration(parties: 6, dimension: 50, modulusBits: 20)
        var generator = SecureRandomGenerator(testSeed: 41)
        let inputs = SecAggSimulation.randomInputs(for: configuration, using: &generator)
        let server = ServerRun(configuration: configuration, roundTimeout: 1.5)
        // A client that sends a malformed frame: rejected, the session goes on.
        let garbage = try Socket.connect(port: server.port)
        garbage.send([0, 0, 0, 5, 1, 2, 3, 4, 5])
        let finished = DispatchGroup()
        for id in configuration.partyIDs {
            let party = try SecAggParty(
                id: id, configuration: configuration, input: inputs[id]!,
                generator: SecureRandomGenerator(testSeed: 500 + UInt64(id)))
            var settings = SecAggTCPParty.Options(port: server.port)
            settings.sessionTimeout = 30
            if id == 6 { settings.stallAt = .maskedInputCollection }  // hangs: dropped at the deadline
            let options = settings
            nonisolated(unsafe) let unsent = party
            Thread.detachNewThread {
                finished.enter()
                _ = try? SecAggTCPParty.run(party: unsent, options: options)
                finished.leave()
            }
        }
        server.done.wait()
        garbage.close()
        let outcome = try server.result!.get()
        #expect(outcome.contributors == [1, 2, 3, 4, 5])
        var expected = [UInt32](repeating: 0, count: 50)
        for id in outcome.contributors { for i in 0..<50 { expected[i] = (expected[i] &+ inputs[id]![i]) & 0xF_FFFF } }
        #expect(outcome.aggregate == expected)
        #expect(outcome.events.contains { $0.hasPrefix("rejected a frame") })
    }

    /// The `privacy-kernel` built beside this test bundle (``_TestSupport/privacyKernelBinary()``;
    /// it used to look in `.build/debug` and could run a stale binary under another scratch path).
    static var executable: URL? { privacyKernelBinary().map { URL(fileURLWithPath: $0) } }

    /// Semi-honest SecAgg+ with the victim killed before its masked input, and the
    /// malicious-server variant (signed keys, consistency round) with the victim killed before
    /// its consistency signature.
    @Test(
        .enabled(if: SecAggTransportTests.executable != nil, "needs the built privacy-kernel executable"),
        arguments: [false, true])
    func separateProcessesWithAPartyKilledMidRound(malicious: Bool) throws {
        let executable = Self.executable!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secagg-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let parties = 6, dimension = 40

        func launch(_ arguments: [String], stdout: Pipe? = nil) throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = stdout ?? FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // 6 parties: the smallest accepted SecAgg+ degree (even ≥ 3·log₂ 6) is n − 1, so the
        // sparse session is complete here; the malicious variant needs 2t > 6 + n_C (n_C = 1): t = 4.
        let variant =
            malicious
            ? ["--graph", "complete", "--signing-keys-dir", path("keys"), "--threshold", "4"]
            : ["--graph", "sparse", "--threshold", "3"]
        let session = try launch(
            [
                "secagg", "session", "--parties", "\(parties)", "--dim", "\(dimension)", "--bits", "24",
                "--out", path("session.json"),
            ] + variant)
        session.waitUntilExit()
        #expect(session.terminationStatus == 0)

        let serverOut = Pipe()
        let server = try launch(
            [
                "secagg", "server", "--session", path("session.json"), "--port", "0", "--round-timeout", "20",
                "--output", path("total.txt"), "--json",
            ], stdout: serverOut)
        defer { if server.isRunning { server.terminate() } }
        let reader = LineReader(serverOut.fileHandleForReading)
        let listening = try #require(reader.nextLine())
        let port = try #require(listening.split(separator: ":").last.flatMap { Int($0) })

        func key(_ id: Int) -> [String] { malicious ? ["--signing-key", path("keys/party-\(id).ed25519")] : [] }
        var processes: [Process] = []
        for id in 1..<parties {
            processes.append(
                try launch(
                    [
                        "secagg", "party", "--session", path("session.json"), "--id", "\(id)", "--port", "\(port)",
                        "--input", path("input\(id).txt"), "--random",
                    ] + key(id)))
        }
        // Party 6 stops mid-protocol; once it says so, kill it (SIGKILL).
        let victimOut = Pipe()
        let victim = try launch(
            [
                "secagg", "party", "--session", path("session.json"), "--id", "\(parties)", "--port", "\(port)",
                "--input", path("input\(parties).txt"), "--random",
                "--stall-at", malicious ? "consistency" : "masked",
            ] + key(parties), stdout: victimOut)
        let stalled = LineReader(victimOut.fileHandleForReading).nextLine()
        #expect(stalled?.contains("stalled") == true)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()

        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        let summary = try #require(reader.nextLine())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        let contributors = try #require(json["contributors"] as? [Int])
        // Killed before its masked input: not a contributor. Killed after it (before signing):
        // its input is in the sum, its self-mask removed with the others' shares.
        #expect(contributors == (malicious ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4, 5]))
        #expect(json["dropped"] as? Int == 1)

        func integers(_ file: String) throws -> [UInt32] {
            try String(contentsOfFile: path(file), encoding: .utf8).split(separator: "\n").map { UInt32($0)! }
        }
        var expected = [UInt32](repeating: 0, count: dimension)
        for id in contributors {
            let input = try integers("input\(id).txt")
            for i in 0..<dimension { expected[i] = (expected[i] &+ input[i]) & 0xFF_FFFF }
        }
        #expect(try integers("total.txt") == expected)
    }
}

/// Reads lines from a pipe, blocking.
final class LineReader {
    let handle: FileHandle
    var buffer = Data()
    init(_ handle: FileHandle) { self.handle = handle }

    func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self) }
            buffer.append(chunk)
        }
    }
}

/// A bare TCP client for sending garbage.
struct Socket {
    let descriptor: Int32

    static func connect(port: Int) throws -> Socket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            throw SecAggTransportError.connectionFailed(host: "127.0.0.1", port: port, reason: "errno \(errno)")
        }
        return Socket(descriptor: fd)
    }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) } }
    func close() { _ = Glibc.close(descriptor) }
}
