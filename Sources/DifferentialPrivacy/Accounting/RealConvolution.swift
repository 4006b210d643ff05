import Foundation

/// Linear convolution of two real sequences, c[k] = Σⱼ a[j]·b[k − j], by a radix-2 complex FFT
/// (both inputs packed into one complex sequence, so one forward and one inverse transform of
/// size N = 2^⌈log₂(na + nb − 1)⌉), or directly when one input is short.
///
/// Round-off: each output carries an absolute error of about 10⁻¹⁶·log₂N·max|c|, which can make
/// tiny outputs slightly negative; callers that need a probability vector clamp them.
enum RealConvolution {
    /// Inputs shorter than this (either one) are convolved directly in O(na·nb).
    static let directThreshold = 48

    /// The convolution of `a` and `b` (length `a.count + b.count − 1`).
    static func convolve(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(!a.isEmpty && !b.isEmpty)
        let outputCount = a.count + b.count - 1
        if min(a.count, b.count) < directThreshold { return direct(a, b) }
        var size = 1
        while size < outputCount { size <<= 1 }
        var real = [Double](repeating: 0, count: size)
        var imaginary = [Double](repeating: 0, count: size)
        real.withUnsafeMutableBufferPointer { re in
            a.withUnsafeBufferPointer { source in
                re.baseAddress!.update(from: source.baseAddress!, count: source.count)
            }
        }
        imaginary.withUnsafeMutableBufferPointer { im in
            b.withUnsafeBufferPointer { source in
                im.baseAddress!.update(from: source.baseAddress!, count: source.count)
            }
        }
        let twiddles = Twiddles(size: size)
        var productReal = [Double](repeating: 0, count: size)
        var productImaginary = [Double](repeating: 0, count: size)
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                transform(re.baseAddress!, im.baseAddress!, size: size, twiddles: twiddles, inverse: false)
                productReal.withUnsafeMutableBufferPointer { pr in
                    productImaginary.withUnsafeMutableBufferPointer { pi in
                        // Unpack A = FFT(a), B = FFT(b) from Z = FFT(a + i·b) and multiply.
                        let zr = re.baseAddress!, zi = im.baseAddress!
                        let cr = pr.baseAddress!, ci = pi.baseAddress!
                        for k in 0..<size {
                            let j = (size - k) & (size - 1)
                            let ar = 0.5 * (zr[k] + zr[j]), ai = 0.5 * (zi[k] - zi[j])
                            let br = 0.5 * (zi[k] + zi[j]), bi = -0.5 * (zr[k] - zr[j])
                            cr[k] = ar * br - ai * bi
                            ci[k] = ar * bi + ai * br
                        }
                        transform(cr, ci, size: size, twiddles: twiddles, inverse: true)
                    }
                }
            }
        }
        let scale = 1 / Double(size)
        return [Double](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            productReal.withUnsafeBufferPointer { pr in
                for k in 0..<outputCount { buffer[k] = pr[k] * scale }
            }
            initialized = outputCount
        }
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

    /// exp(−2πik/N) for k < N/2, each computed directly (no recurrence error).
    struct Twiddles {
        var cosines: [Double]
        var sines: [Double]
        init(size: Int) {
            let half = max(1, size / 2)
            cosines = (0..<half).map { cos(2 * Double.pi * Double($0) / Double(size)) }
            sines = (0..<half).map { -sin(2 * Double.pi * Double($0) / Double(size)) }
        }
    }

    /// In-place iterative radix-2 decimation-in-time FFT (unnormalised; `inverse` conjugates
    /// the twiddles).
    static func transform(
        _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
        size: Int, twiddles: Twiddles, inverse: Bool
    ) {
        // Bit-reversal permutation.
        var j = 0
        for i in 1..<size {
            var bit = size >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j {
                swap(&re[i], &re[j])
                swap(&im[i], &im[j])
            }
        }
        let sign: Double = inverse ? -1 : 1
        twiddles.cosines.withUnsafeBufferPointer { cosines in
            twiddles.sines.withUnsafeBufferPointer { sines in
                var length = 2
                while length <= size {
                    let half = length >> 1
                    let stride = size / length
                    var start = 0
                    while start < size {
                        var t = 0
                        for k in 0..<half {
                            let wr = cosines[t], wi = sign * sines[t]
                            let u = start + k, v = u + half
                            let xr = re[v] * wr - im[v] * wi
                            let xi = re[v] * wi + im[v] * wr
                            re[v] = re[u] - xr; im[v] = im[u] - xi
                            re[u] += xr; im[u] += xi
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
