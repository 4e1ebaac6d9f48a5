/// A setting diffusers accepts either once for every block or as a list with one value per down block
/// (`attention_head_dim: 8` or `[5, 10, 20, 20]`; `only_cross_attention: false` or `[true, true, true, false]`).
public enum PerBlock<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    case same(Value)
    case each([Value])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([Value].self) {
            self = .each(list)
        } else {
            self = .same(try container.decode(Value.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .same(let value): try container.encode(value)
        case .each(let values): try container.encode(values)
        }
    }

    /// One value per block, in down-block order.
    public func values(blockCount: Int) -> [Value] {
        switch self {
        case .same(let value): Array(repeating: value, count: blockCount)
        case .each(let values): values
        }
    }

    /// Throws unless a list has exactly `blockCount` entries.
    func check(_ field: String, blockCount: Int, against otherField: String) throws(ConfigError) {
        if case .each(let values) = self {
            try ConfigCheck.sameCount(field, values.count, as: otherField, blockCount)
        }
    }
}
