import Anonymity
import Tabular

/// Fuzzes ``Anonymity/Hierarchy`` (ARX CSV hierarchy files). Byte 0 picks the separator
/// (`;` `,` tab `|`) and, in bits 2–3, the k of a k-anonymity search over the parsed hierarchy
/// (2…5; bit 4 asks for 2-diversity over a sensitive column too); the rest is the file text
/// (invalid UTF-8 replaced). A hierarchy that parses is then used the way the CLI uses it: a
/// table of its level-0 values (each once or twice) is generalised with it.
enum HierarchyFuzz {
    static let separators: [Character] = [";", ",", "\t", "|"]

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzBytes(data)
        let b0 = input.byte()
        let separator = separators[Int(b0 % 4)]
        let text = input.restText
        guard let hierarchy = try? Hierarchy(arxCSV: text, attribute: "qi", separator: separator) else { return }
        // The written form must parse back (the CLI writes hierarchies it built).
        _ = try? Hierarchy(arxCSV: hierarchy.arxCSV(separator: separator), attribute: "qi", separator: separator)
        let values = Array(hierarchy.values.prefix(64))
        var column: [String] = []
        var sensitive: [String] = []
        for (i, value) in values.enumerated() {
            column.append(value)
            sensitive.append(String(i % 3))
            if i % 2 == 0 {
                column.append(value)
                sensitive.append(String((i + 1) % 3))
            }
        }
        guard let qi = try? Column("qi", strings: column), let s = try? Column("s", strings: sensitive),
            let table = try? Table(columns: [qi, s])
        else { return }
        var models: [PrivacyModel] = [.kAnonymity(k: 2 + Int((b0 >> 2) & 3))]
        if b0 & 0x10 != 0 { models.append(.distinctLDiversity(l: 2)) }
        _ = try? Anonymiser.generalise(
            table, quasiIdentifiers: ["qi"], hierarchies: ["qi": hierarchy], models: models,
            sensitive: "s", suppressionLimit: 0.2)
    }
}
