import ArgumentParser
import Foundation
import Logging
import PlatformService
import PrivacyLedger

/// `privacy-kernel serve`: the platform service (docs/service.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the platform service: the enclave that alone holds the datasets and the ledger.",
        discussion: """
            Every request is signed by a principal of the ledger (privacy-kernel client signs \
            them); the service acts for it with its own platform identity (--identity, a \
            principal with the platform role). Datasets live only under --data-root. Stops \
            gracefully on SIGTERM or SIGINT. API: GET /openapi.json.
            """)

    @OptionGroup var location: LedgerLocation

    @Option(help: "The directory that holds the registered datasets (created if missing).")
    var dataRoot: String

    @Option(
        help:
            "The export area the service's ledger must have (checked at start; a reviewer sets it with ledger init --export-area DIR). Default: the ledger's."
    )
    var exportRoot: String?

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The TCP port (0: a free one, printed at start).")
    var port: Int = 8723

    @Option(help: "The largest dataset upload, in MiB.")
    var maxUploadMib: Int = 1024

    @Option(
        help:
            "Memory one DP release may use to scan its dataset (e.g. 256MiB, 1GiB; at least 16MiB). Datasets larger than a quarter of it are streamed, never cached."
    )
    var memoryLimit: String = "256MiB"

    @Option(help: "Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.")
    var tlsCert: String?

    @Option(help: "The private key of --tls-cert (PEM, unencrypted).")
    var tlsKey: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must lie in 0…65535, got \(port)") }
        guard (1...65536).contains(maxUploadMib) else {
            throw ValidationError("--max-upload-mib must lie in 1…65536, got \(maxUploadMib)")
        }
        _ = try MemoryOptions.bytes(ofMemoryLimit: memoryLimit)
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: dataRoot, withIntermediateDirectories: true)
        let ledger = try location.open()
        if let exportRoot {
            let wanted = URL(fileURLWithPath: exportRoot).standardizedFileURL.path
            let area = try ledger.exportArea()
            guard wanted == area else {
                throw ValidationError(
                    "--export-root \(wanted) is not the ledger's export area (\(area)); a reviewer sets it with ledger init --export-area DIR --identity REVIEWER.key"
                )
            }
        }
        var configuration = ServiceConfiguration(dataRoot: dataRoot)
        configuration.host = host
        configuration.port = port
        configuration.maximumUpload = maxUploadMib << 20
        configuration.memoryLimit = try MemoryOptions.bytes(ofMemoryLimit: memoryLimit)
        if let tlsCert, let tlsKey {
            configuration.tls = TLSFiles(certificateChain: tlsCert, privateKey: tlsKey)
            _ = try configuration.tls?.serverConfiguration()  // a bad file fails here, before the ledger is used
        }
        let service = try PlatformService(ledger: ledger, configuration: configuration)
        let host = self.host, scheme = tlsCert == nil ? "http" : "https"
        try await service.run { port in
            // Written unbuffered: scripts and tests wait for this line to learn the port.
            FileHandle.standardOutput.write(
                Data("privacy-kernel serve: listening on \(scheme)://\(host):\(port)\n".utf8))
        }
    }
}

/// `privacy-kernel client`: sends one signed request to the platform service and prints the
/// answer (docs/service.md).
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Send a signed request to the platform service and print its answer.",
        discussion: """
            Signs METHOD, PATH and the body with --identity (timestamp and a fresh nonce), \
            prints the answer's body on stdout, and exits 1 (the answer on stderr) when the \
            service refuses. Example: privacy-kernel client --server http://127.0.0.1:8723 \
            --identity op.key POST /v1/releases --json '{"scenario": "fares", ...}'
            """)

    @Option(help: "The service's base URL.")
    var server: String = "http://127.0.0.1:8723"

    @Option(help: "Your identity file (default: $PRIVACY_KERNEL_IDENTITY).")
    var identity: String?

    @Argument(help: "GET, POST, PUT or PATCH.")
    var method: String

    @Argument(help: "The path with its query, e.g. /v1/authorisations.")
    var path: String

    @Option(help: "The body: JSON text.")
    var json: String?

    @Option(help: "The body: a file (a CSV to upload).")
    var bodyFile: String?

    func validate() throws {
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased()) else {
            throw ValidationError("METHOD must be GET, POST, PUT, PATCH or DELETE, got '\(method.prefix(16))'")
        }
        guard path.hasPrefix("/") else { throw ValidationError("PATH must start with '/', got '\(path.prefix(64))'") }
        if json != nil && bodyFile != nil { throw ValidationError("give --json or --body-file, not both") }
    }

    func run() async throws {
        guard let identityPath = identity ?? ProcessInfo.processInfo.environment["PRIVACY_KERNEL_IDENTITY"] else {
            throw ValidationError("give --identity FILE (or $PRIVACY_KERNEL_IDENTITY)")
        }
        let signer = try LedgerIdentity(contentsOfFile: identityPath)
        let body: Data
        if let bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                throw ValidationError("--body-file: cannot read '\(bodyFile)'")
            }
            body = data
        } else {
            body = Data((json ?? "").utf8)
        }
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--server must be an http:// or https:// URL, got '\(server.prefix(128))'")
        }
        let (status, answer) = try await ServiceClient(base: url, identity: signer).send(
            method.uppercased(), path, body: body)
        let text = String(decoding: answer, as: UTF8.self)
        if (200..<300).contains(status) {
            print(text)
        } else {
            FileHandle.standardError.write(Data("HTTP \(status): \(text)\n".utf8))
            throw ExitCode(1)
        }
    }
}
