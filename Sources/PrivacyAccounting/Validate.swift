/// Parameter checks shared by every entry point, each throwing a typed error that names the
/// parameter.
package enum Validate {
    package static func epsilon(_ value: Double, name: String = "epsilon") throws(DifferentialPrivacyError) {
        guard value.isFinite, value > 0 else {
            throw .invalidParameter(name: name, value: "\(value)", reason: "ε must be finite and > 0")
        }
    }
    package static func delta(_ value: Double) throws(DifferentialPrivacyError) {
        guard value.isFinite, value > 0, value < 1 else {
            throw .invalidParameter(name: "delta", value: "\(value)", reason: "δ must lie in (0, 1)")
        }
    }
    package static func rho(_ value: Double) throws(DifferentialPrivacyError) {
        guard value.isFinite, value > 0 else {
            throw .invalidParameter(name: "rho", value: "\(value)", reason: "ρ must be finite and > 0")
        }
    }
    package static func bounds(_ lower: Double, _ upper: Double) throws(DifferentialPrivacyError) {
        guard lower.isFinite, upper.isFinite else {
            throw .invalidBounds(lower: lower, upper: upper, reason: "bounds must be finite")
        }
        guard lower <= upper else {
            throw .invalidBounds(lower: lower, upper: upper, reason: "lower > upper")
        }
        let largest = max(lower.magnitude, upper.magnitude)
        guard largest <= 0x1p52 else {
            throw .invalidBounds(lower: lower, upper: upper, reason: "bounds beyond ±2^52 are not supported")
        }
        // The sums' fixed-point grid is 2^-32 of the largest bound and the variance's squares
        // live on a grid of the squared radius: both must stay within the grid exponents
        // supported (|exponent| ≤ 1000), which the range [2^-400, 2^52] guarantees.
        guard largest == 0 || largest >= 0x1p-400 else {
            throw .invalidBounds(
                lower: lower, upper: upper,
                reason: "the larger bound's magnitude must be 0 or at least 2^-400 (≈ 3.9e-121); rescale the column")
        }
    }
    package static func positiveCount(_ value: Int, name: String) throws(DifferentialPrivacyError) {
        guard value >= 1 else {
            throw .invalidParameter(name: name, value: "\(value)", reason: "must be ≥ 1")
        }
    }
}
