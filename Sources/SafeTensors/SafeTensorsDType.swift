/// The element types a safetensors header may name, with their sizes in bytes.
///
/// Every type the format defines is recognised so that a file is validated whole (sizes, offsets) even when it holds
/// tensors dbrun never converts; conversion supports the floating types to Float32 and the integer types to Int.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "U8", int8 = "I8"
    case float8E5M2 = "F8_E5M2", float8E4M3 = "F8_E4M3"
    case int16 = "I16", uint16 = "U16", float16 = "F16", bfloat16 = "BF16"
    case int32 = "I32", uint32 = "U32", float32 = "F32"
    case int64 = "I64", uint64 = "U64", float64 = "F64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Whether `SafeTensorsFile.floats` can convert this type.
    public var convertsToFloat: Bool { [.float32, .float16, .bfloat16, .float64].contains(self) }

    /// Whether `SafeTensorsFile.integers` can convert this type.
    public var convertsToInteger: Bool { [.int64, .int32, .int16, .int8, .uint8, .bool].contains(self) }
}
