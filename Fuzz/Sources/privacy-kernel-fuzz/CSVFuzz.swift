import Tabular

/// Fuzzes ``Tabular/CSVReader``. The first four bytes choose the options, the rest is the file:
///
/// - byte 0: the separator (`,` `;` tab `|`, or with the top bit set any byte, invalid ones included)
/// - byte 1: the quote (`"` or `'`, or with the top bit set any byte)
/// - byte 2: bit 0 header, bit 1 null tokens, bits 2–4 inference sample rows (1…7, 0 = default)
/// - byte 3: bits 0–1 chunk count − 1 (threads alike), bits 2–3 schema (inferred, re-read with
///   the inferred schema, every column declared categorical, types permuted by byte), bit 4
///   the streaming reader (block of 1 + 8·bits 5–7 bytes) instead of the in-memory one.
enum CSVFuzz {
    static let separators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        let b0 = input.byte(), b1 = input.byte(), b2 = input.byte(), b3 = input.byte()
        let separator = b0 & 0x80 == 0 ? separators[Int(b0 % 4)] : b0 & 0x7F
        let quote = b1 & 0x80 == 0 ? (b1 & 1 == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "'")) : b1 & 0x7F
        let sample = Int((b2 >> 2) & 7)
        let chunks = Int(b3 & 3) + 1
        let options = CSVOptions(
            separator: separator, quote: quote, hasHeader: b2 & 1 == 0,
            nullTokens: b2 & 2 != 0 ? ["NA", "null", "-"] : [],
            inferenceSampleRows: sample == 0 ? 10_000 : sample,
            threads: chunks, chunkCount: chunks)
        let body = input.rest
        let schemaMode = (b3 >> 2) & 3
        if b3 & 0x10 != 0 {
            let path = ScratchFile.write(body, name: "input.csv")
            let block = 1 + 8 * Int(b3 >> 5)
            _ = try? CSVReader.stream(file: path, options: options, blockBytes: block) { table in
                _ = table.rowCount
            }
            return
        }
        guard let first = try? CSVReader.load(bytes: body.bindMemory(to: UInt8.self), options: options) else { return }
        let inferred = first.inference?.schema ?? first.table.schema
        let schema: Schema
        switch schemaMode {
        case 0: return
        case 1: schema = inferred
        case 2: schema = Schema(inferred.fields.map { Field($0.name, .categorical, nullable: $0.nullable) })
        default:
            var choice = FuzzBytes(body)
            schema = Schema(
                inferred.fields.map { field in
                    let type = ColumnType.allCases[Int(choice.byte()) % ColumnType.allCases.count]
                    return Field(field.name, type, nullable: choice.byte() & 1 == 0)
                })
        }
        _ = try? CSVReader.load(bytes: body.bindMemory(to: UInt8.self), schema: schema, options: options)
    }
}
