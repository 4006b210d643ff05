import Foundation
import Paillier
import SecureAggregation
import SecureAggregationTransport

/// Fuzzes the files the `privacy-kernel secagg` commands read, through the library functions
/// the CLI calls: byte 0 (mod 2) picks the file, the rest is its contents, written to a scratch
/// file and read back by path as the CLI does.
/// - 0: a session description (JSON) with ``SecureAggregationTransport/SecAggSessionDescription/load(path:)``,
///   then turned into a checked configuration, written and re-loaded;
/// - 1: a party input file with ``SecureAggregationTransport/SecAggInputFile/read(path:dimension:modulusBits:)``
///   (byte 1: dimension 1…64, byte 2: modulus bits 1…32).
/// (The Paillier key JSON files are covered by the `paillier` target.)
enum CLIFilesFuzz {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        let mode = input.byte() % 2
        if mode == 0 {
            let path = ScratchFile.write(input.rest, name: "session.json")
            guard let session = try? SecAggSessionDescription.load(path: path),
                let configuration = try? session.configuration()
            else { return }
            _ = configuration.neighbours.smallestNeighbourhood
            let copy = ScratchFile.directory + "/session-copy.json"
            guard (try? session.write(path: copy)) != nil else { return }
            let again = try? SecAggSessionDescription.load(path: copy)
            precondition(again == session, "a session description does not survive write and load")
        } else {
            let dimension = 1 + Int(input.byte() % 64), bits = 1 + Int(input.byte() % 32)
            let path = ScratchFile.write(input.rest, name: "input.txt")
            _ = try? SecAggInputFile.read(path: path, dimension: dimension, modulusBits: bits)
        }
    }
}
