import CEngineKernels

/// The processor this process runs on, and the widest vector instructions both it and the OS support.
public struct CPUInfo: Sendable, Encodable {
    /// The vector instruction sets that matter for choosing GEMM kernels, in increasing order.
    public enum VectorISA: Int, Sendable, Comparable, CustomStringConvertible, Encodable {
        case sse, avx, avx2FMA, avx512, avx512BF16

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
        public var description: String {
            switch self {
            case .sse: "SSE"
            case .avx: "AVX"
            case .avx2FMA: "AVX2+FMA"
            case .avx512: "AVX-512"
            case .avx512BF16: "AVX-512 with BF16"
            }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    public let vendor: String
    public let brand: String
    public let family: Int, model: Int, stepping: Int
    /// The feature flags behind `vectorISA`, as Linux names them, CPU-reported only.
    public let flags: [String]
    /// Whether the OS saves YMM and ZMM registers (XCR0): without it the CPU's AVX or AVX-512 cannot be used.
    public let osSavesYMM: Bool, osSavesZMM: Bool
    /// The widest vector ISA the CPU reports *and* the OS enables.
    public let vectorISA: VectorISA

    /// Read once, from cpuid and XCR0.
    public static let current: CPUInfo = {
        var f = ek_cpu_features()
        ek_read_cpu_features(&f)
        return CPUInfo(f)
    }()

    init(_ f: ek_cpu_features) {
        vendor = withUnsafeBytes(of: f.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        brand = withUnsafeBytes(of: f.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        family = Int(f.family)
        model = Int(f.model)
        stepping = Int(f.stepping)
        let named: [(String, Int32)] = [
            ("avx", f.avx), ("fma", f.fma), ("avx2", f.avx2), ("avx512f", f.avx512f), ("avx512dq", f.avx512dq),
            ("avx512bw", f.avx512bw), ("avx512vl", f.avx512vl), ("avx512_bf16", f.avx512_bf16),
        ]
        flags = named.filter { $0.1 != 0 }.map(\.0)
        osSavesYMM = f.os_ymm != 0
        osSavesZMM = f.os_zmm != 0
        vectorISA = Self.vectorISA(flags: Set(flags), osSavesYMM: osSavesYMM, osSavesZMM: osSavesZMM)
    }

    /// AVX-512 counts only with the subsets OpenBLAS's SkylakeX kernels use (F, DQ, BW, VL).
    static func vectorISA(flags: Set<String>, osSavesYMM: Bool, osSavesZMM: Bool) -> VectorISA {
        guard osSavesYMM else { return .sse }
        if osSavesZMM, flags.isSuperset(of: ["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"]) {
            return flags.contains("avx512_bf16") ? .avx512BF16 : .avx512
        }
        if flags.isSuperset(of: ["avx", "avx2", "fma"]) { return .avx2FMA }
        return flags.contains("avx") ? .avx : .sse
    }

    /// "AMD EPYC (AuthenticAMD family 25 model 17 stepping 1)".
    public var summary: String {
        "\(brand.isEmpty ? "unknown CPU" : brand) (\(vendor) family \(family) model \(model) stepping \(stepping))"
    }
}
