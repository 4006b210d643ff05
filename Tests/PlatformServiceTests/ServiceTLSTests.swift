import Foundation
import PlatformService
import Testing
import _TestSupport

/// HTTPS (`serve --tls-cert --tls-key`): a real TLS client (curl) reaches the service through a
/// certificate it trusts, is refused with another trust anchor, and plain HTTP gets no answer.
@Suite(
    "Platform service: HTTPS",
    .serialized,
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
struct ServiceTLSTests {
    /// A self-signed P-256 certificate for 127.0.0.1 in `directory`: (certificate, key).
    static func selfSigned(_ directory: TemporaryDirectory, name: String) throws -> (String, String) {
        let certificate = directory.file("\(name).pem"), key = directory.file("\(name)-key.pem")
        let result = try run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ])
        try #require(result.status == 0, "\(result.err)")
        return (certificate, key)
    }

    @Test("curl trusting the service's certificate gets the answer; another anchor and plain HTTP get none")
    func https() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (certificate, key) = try Self.selfSigned(directory, name: "service")
        let (otherCertificate, _) = try Self.selfSigned(directory, name: "other")
        let running = try await RunningService.start(tls: TLSFiles(certificateChain: certificate, privateKey: key))
        defer { Task { await running.stop() } }
        #expect(running.base.scheme == "https")
        let url = running.base.absoluteString + "/v1/health"
        let trusted = try run("/usr/bin/curl", ["-sS", "--max-time", "60", "--cacert", certificate, url])
        #expect(trusted.status == 0 && trusted.out.contains(#""status":"ok""#), "\(trusted.err)")
        let untrusted = try run("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", otherCertificate, url])
        #expect(untrusted.status == 60, "curl exit \(untrusted.status): \(untrusted.err)")  // peer certificate not verified
        let plain = try run(
            "/usr/bin/curl", ["-sS", "--max-time", "10", url.replacingOccurrences(of: "https://", with: "http://")])
        #expect(plain.status != 0 && !plain.out.contains("status"))
    }

    @Test("missing or wrong PEM files are a configuration error naming the file, never its contents")
    func badFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let (certificate, key) = try Self.selfSigned(directory, name: "service")
        for (chain, privateKey, named) in [
            (directory.file("missing.pem"), key, "missing.pem"), (certificate, certificate, "service.pem"),
            (key, key, "service-key.pem"),
        ] {
            #expect {
                _ = try TLSFiles(certificateChain: chain, privateKey: privateKey).serverConfiguration()
            } throws: { error in
                guard let error = error as? ServiceError else { return false }
                return error.rule == "configuration" && error.message.contains(named)
                    && !error.message.contains("BEGIN")
            }
        }
        _ = try TLSFiles(certificateChain: certificate, privateKey: key).serverConfiguration()
    }
}
