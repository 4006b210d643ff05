import Foundation

/// Linear convolutions of real sequences for composing privacy-loss distributions.
///
/// Transforms are real-input FFTs of even length N done as complex radix-2 FFTs of length N/2
/// (even samples in the real part, odd samples in the imaginary part, then one split pass), so
/// `convolve` costs two half-length forward transforms and one half-length inverse.
/// Round-off: each output carries an absolute error of about 10⁻¹⁶·log₂N·max|c|, which can make
/// tiny outputs slightly negative; callers that need probabilities clamp them.
enum RealConvolution {
    /// Inputs shorter than this (either one) are convolved directly in O(na·nb).
    static let directThreshold = 48

    /// c[k] = Σⱼ a[j]·b[k − j], of length `a.count + b.count − 1`.
    static func convolve(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(!a.isEmpty && !b.isEmpty)
        if min(a.count, b.count) < directThreshold { return direct(a, b) }
        let plan = Plan(minimumLength: a.count + b.count - 1)
        var (ar, ai) = plan.forward(a)
        let (br, bi) = plan.forward(b)
        for k in ar.indices {
            (ar[k], ai[k]) = (ar[k] * br[k] - ai[k] * bi[k], ar[k] * bi[k] + ai[k] * br[k])
        }
        return plan.inverse(real: &ar, imaginary: &ai, count: a.count + b.count - 1)
    }

    /// The `count`-fold convolution of `a` with itself (length `count·(a.count − 1) + 1`): one
    /// forward transform, a per-frequency power by binary exponentiation (≤ 2·log₂ count complex
    /// products) and one inverse transform.
    static func selfConvolve(_ a: [Double], count: Int) -> [Double] {
        precondition(!a.isEmpty && count >= 1)
        let outputCount = count * (a.count - 1) + 1
        let plan = Plan(minimumLength: outputCount)
        var (re, im) = plan.forward(a)
        for k in re.indices {
            var baseR = re[k], baseI = im[k]
            var resultR = 1.0, resultI = 0.0
            var exponent = count
            while true {
                if exponent & 1 == 1 {
                    (resultR, resultI) = (resultR * baseR - resultI * baseI, resultR * baseI + resultI * baseR)
                }
                exponent >>= 1
                if exponent == 0 { break }
                (baseR, baseI) = (baseR * baseR - baseI * baseI, 2 * baseR * baseI)
            }
            re[k] = resultR
            im[k] = resultI
        }
        return plan.inverse(real: &re, imaginary: &im, count: outputCount)
    }

    /// O(na·nb) convolution.
    static func direct(_ a: [Double], _ b: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: a.count + b.count - 1)
        output.withUnsafeMutableBufferPointer { out in
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    for i in 0..<x.count {
                        let xi = x[i]
                        if xi == 0 { continue }
                        for j in 0..<y.count { out[i + j] += xi * y[j] }
                    }
                }
            }
        }
        return output
    }

    /// A real FFT of length N (a power of two ≥ 4) and its twiddles W^k = e^{−2πik/N}, k < N/2.
    struct Plan {
        let size: Int
        let cosines: [Double]
        let sines: [Double]  // −sin(2πk/N)

        init(minimumLength: Int) {
            var size = 4
            while size < minimumLength { size <<= 1 }
            self.size = size
            // Direct trig for k < N/4; the second quarter from cos(π/2 + φ) = −sin φ,
            // sin(π/2 + φ) = cos φ.
            let quarter = size / 4
            var cosines = [Double](repeating: 0, count: size / 2)
            var sines = [Double](repeating: 0, count: size / 2)
            for k in 0..<quarter {
                let angle = 2 * Double.pi * Double(k) / Double(size)
                let c = cos(angle), s = sin(angle)
                cosines[k] = c
                sines[k] = -s
                cosines[k + quarter] = -s
                sines[k + quarter] = -c
            }
            self.cosines = cosines
            self.sines = sines
        }

        /// X[k] for k = 0 … N/2 of the zero-padded real input (the rest is conj(X[N − k])).
        func forward(_ x: [Double]) -> (real: [Double], imaginary: [Double]) {
            precondition(x.count <= size)
            let half = size / 2
            var zr = [Double](repeating: 0, count: half), zi = [Double](repeating: 0, count: half)
            var xr = [Double](repeating: 0, count: half + 1), xi = [Double](repeating: 0, count: half + 1)
            x.withUnsafeBufferPointer { input in
                zr.withUnsafeMutableBufferPointer { zrBuffer in
                    zi.withUnsafeMutableBufferPointer { ziBuffer in
                        let zrp = zrBuffer.baseAddress!, zip = ziBuffer.baseAddress!
                        for n in 0..<input.count {
                            if n & 1 == 0 { zrp[n >> 1] = input[n] } else { zip[n >> 1] = input[n] }
                        }
                        transform(zrp, zip, inverse: false)
                        cosines.withUnsafeBufferPointer { wc in
                            sines.withUnsafeBufferPointer { ws in
                                xr.withUnsafeMutableBufferPointer { xrp in
                                    xi.withUnsafeMutableBufferPointer { xip in
                                        for k in 0...half {
                                            let kk = k & (half - 1), m = (half - k) & (half - 1)
                                            let er = 0.5 * (zrp[kk] + zrp[m]), ei = 0.5 * (zip[kk] - zip[m])
                                            let or = 0.5 * (zip[kk] + zip[m]), oi = -0.5 * (zrp[kk] - zrp[m])
                                            // W^k with W^{N/2} = −1.
                                            let wr = k < half ? wc[k] : -1, wi = k < half ? ws[k] : 0
                                            xrp[k] = er + wr * or - wi * oi
                                            xip[k] = ei + wr * oi + wi * or
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (xr, xi)
        }

        /// The first `count` samples of the real sequence whose half spectrum (k = 0 … N/2) is
        /// given; the spectrum buffers are used as scratch.
        func inverse(real xr: inout [Double], imaginary xi: inout [Double], count: Int) -> [Double] {
            let half = size / 2
            var zr = [Double](repeating: 0, count: half), zi = [Double](repeating: 0, count: half)
            let scale = 1 / Double(half)
            return [Double](unsafeUninitializedCapacity: count) { output, initialized in
                zr.withUnsafeMutableBufferPointer { zrBuffer in
                    zi.withUnsafeMutableBufferPointer { ziBuffer in
                        let zrp = zrBuffer.baseAddress!, zip = ziBuffer.baseAddress!
                        cosines.withUnsafeBufferPointer { wc in
                            sines.withUnsafeBufferPointer { ws in
                                xr.withUnsafeBufferPointer { xrp in
                                    xi.withUnsafeBufferPointer { xip in
                                        for k in 0..<half {
                                            let m = half - k
                                            // E = (X[k] + conj X[M−k])/2, O = (X[k] − conj X[M−k])·conj(W^k)/2
                                            let er = 0.5 * (xrp[k] + xrp[m]), ei = 0.5 * (xip[k] - xip[m])
                                            let dr = 0.5 * (xrp[k] - xrp[m]), di = 0.5 * (xip[k] + xip[m])
                                            let wr = wc[k], wi = -ws[k]
                                            let or = dr * wr - di * wi, oi = dr * wi + di * wr
                                            zrp[k] = er - oi  // Z = E + i·O
                                            zip[k] = ei + or
                                        }
                                    }
                                }
                            }
                        }
                        transform(zrp, zip, inverse: true)
                        for n in 0..<count {
                            output[n] = (n & 1 == 0 ? zrp[n >> 1] : zip[n >> 1]) * scale
                        }
                    }
                }
                initialized = count
            }
        }

        /// In-place complex radix-2 FFT of length N/2 (unnormalised; `inverse` conjugates the
        /// twiddles), using every second twiddle of the length-N table.
        func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
            let n = size / 2
            var j = 0
            for i in 1..<n {
                var bit = n >> 1
                while j & bit != 0 {
                    j ^= bit
                    bit >>= 1
                }
                j |= bit
                if i < j {
                    swap(&re[i], &re[j])
                    swap(&im[i], &im[j])
                }
            }
            let sign: Double = inverse ? -1 : 1
            cosines.withUnsafeBufferPointer { wc in
                sines.withUnsafeBufferPointer { ws in
                    // Length-2 butterflies need no twiddles.
                    var start = 0
                    while start < n {
                        let ur = re[start], ui = im[start], vr = re[start + 1], vi = im[start + 1]
                        re[start] = ur + vr
                        im[start] = ui + vi
                        re[start + 1] = ur - vr
                        im[start + 1] = ui - vi
                        start += 2
                    }
                    var length = 4
                    while length <= n {
                        let halfLength = length >> 1
                        let stride = 2 * (n / length)  // into the length-N table
                        var start = 0
                        while start < n {
                            let top = re + start, topI = im + start
                            let bottom = re + start + halfLength, bottomI = im + start + halfLength
                            var t = 0
                            for k in 0..<halfLength {
                                let wr = wc[t], wi = sign * ws[t]
                                let xr = bottom[k] * wr - bottomI[k] * wi
                                let xi = bottom[k] * wi + bottomI[k] * wr
                                bottom[k] = top[k] - xr
                                bottomI[k] = topI[k] - xi
                                top[k] += xr
                                topI[k] += xi
                                t += stride
                            }
                            start += length
                        }
                        length <<= 1
                    }
                }
            }
        }
    }
}
