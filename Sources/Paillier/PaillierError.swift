/// Every way the big-integer layer and the Paillier cryptosystem can reject input, each case
/// naming the parameter (or line) at fault so that the message alone says what to fix.
///
/// Programmer errors (a zero modulus, a negative exponent passed to ``BigInteger/power(_:modulo:)``)
/// are `precondition`s, not cases of this enum; this enum covers input a caller can meet at run
/// time: text that is not an integer, a key that is too short or inconsistent, a ciphertext
/// outside Z*ₙ², a plaintext outside the encodable range.
public enum PaillierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `text` is not a decimal integer (optional `-`, then one or more ASCII digits, nothing else).
    ///
    /// - `parameter`: what was being parsed (for example `"n"`, `"line 3"`); `text`: the text, cut
    ///   to its first ``echoLimit`` characters (then `…`) by ``BigInteger/init(decimal:parameter:)``.
    case invalidInteger(parameter: String, text: String)
    /// A field of a text file is longer than any value it may hold (refused before parsing).
    ///
    /// - `parameter`: the file and line; `length`: the field's length in bytes;
    ///   `maximumLength`: the most bytes a valid value can have.
    case fieldTooLong(parameter: String, length: Int, maximumLength: Int)
    /// A key's modulus is shorter than the enforced minimum.
    ///
    /// - `bits`: the modulus length found; `minimumBits`: the least accepted (2048 for real keys).
    case modulusTooSmall(bits: Int, minimumBits: Int)
    /// A key's modulus is longer than the enforced maximum (work grows with its cube: refused up
    /// front rather than run for minutes).
    ///
    /// - `bits`: the modulus length found (for text too long to parse, the length its digits
    ///   imply); `maximumBits`: the longest accepted (8192).
    case modulusTooLarge(bits: Int, maximumBits: Int)
    /// A private key's primes are unbalanced: p or q is far from √n, or p and q are so close that
    /// Fermat's method factors n. Either makes n easier to factor than its length promises.
    ///
    /// - `parameter`: `"p"`, `"q"` or `"p, q"`; `reason`: the rule and the sizes found.
    case unbalancedKey(parameter: String, reason: String)
    /// A key or parameter is mathematically unusable.
    ///
    /// - `parameter`: the field at fault (`"p"`, `"q"`, `"n"`, `"exponentBits"`, …);
    ///   `reason`: what was expected and what was found.
    case invalidKey(parameter: String, reason: String)
    /// A parameter is outside its documented range.
    ///
    /// - `parameter`: the parameter at fault; `reason`: what was expected and what was found.
    case invalidArgument(parameter: String, reason: String)
    /// A ciphertext is not in Z*ₙ²: it is ≤ 0 or ≥ n², or shares a factor with n.
    ///
    /// - `index`: the position of the ciphertext in its batch (0-based), `nil` for a single one;
    ///   `reason`: which condition failed.
    case invalidCiphertext(index: Int?, reason: String)
    /// A plaintext is outside the range the key or encoding can represent.
    ///
    /// - `index`: the position in its batch (0-based), `nil` for a single value;
    ///   `reason`: the value's range and the allowed range.
    case plaintextOutOfRange(index: Int?, reason: String)
    /// A decrypted value lies in the band between the positive and the negative encodings, so it
    /// is the result of an overflow (a sum or product that left the encodable range).
    case decodingOverflow(index: Int?)
    /// The operating system could not provide entropy for the random generator.
    case randomnessUnavailable(reason: String)

    /// The most characters of an input field an error echoes.
    public static let echoLimit = 64

    /// `text` cut to its first ``echoLimit`` characters, then `…` (O(``echoLimit``) whatever the
    /// length of `text`).
    static func echo(_ text: some StringProtocol) -> String {
        var end = text.startIndex
        var count = 0
        while end < text.endIndex, count < echoLimit {
            end = text.index(after: end)
            count += 1
        }
        return end < text.endIndex ? String(text[..<end]) + "…" : String(text)
    }

    /// A one-line, human-readable message naming the problem.
    public var description: String {
        func at(_ index: Int?) -> String { index.map { " at index \($0)" } ?? "" }
        switch self {
        case let .invalidInteger(parameter, text):
            return "\(parameter): \"\(Self.echo(text))\" is not a decimal integer (optional '-', then digits 0-9)"
        case let .fieldTooLong(parameter, length, maximumLength):
            return "\(parameter): a field of \(length) characters; values under this key have at most \(maximumLength)"
        case let .modulusTooSmall(bits, minimumBits):
            return "Paillier modulus n has \(bits) bits; at least \(minimumBits) bits are required"
        case let .modulusTooLarge(bits, maximumBits):
            return "Paillier modulus n has \(bits) bits; at most \(maximumBits) bits are accepted"
        case let .unbalancedKey(parameter, reason):
            return "unbalanced Paillier key: \(parameter): \(reason)"
        case let .invalidKey(parameter, reason):
            return "invalid Paillier key: \(parameter): \(reason)"
        case let .invalidArgument(parameter, reason):
            return "invalid argument \(parameter): \(reason)"
        case let .invalidCiphertext(index, reason):
            return "invalid Paillier ciphertext\(at(index)): \(reason)"
        case let .plaintextOutOfRange(index, reason):
            return "plaintext\(at(index)) out of range: \(reason)"
        case let .decodingOverflow(index):
            return
                "decrypted value\(at(index)) lies between the positive and negative ranges of the encoding: the computation overflowed"
        case let .randomnessUnavailable(reason):
            return "no randomness for Paillier: \(reason)"
        }
    }
}
