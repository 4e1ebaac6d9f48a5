import Tensor

/// The MLP activations of transformers' encoders, by their `hidden_act` name.
///
/// `gelu` in transformers (`ACT2FN["gelu"]`) is the exact erf form, not the tanh approximation; `quick_gelu` is
/// OpenAI CLIP's x·σ(1.702x) that Stable Diffusion 1.x's text encoder was trained with.
public enum TransformerActivation: String, Sendable, CaseIterable {
    case quickGelu = "quick_gelu"
    case gelu

    /// Reads a config's `hidden_act`; `field` names it in the error (configs validate this first).
    public init(hiddenAct: String, field: String = "hidden_act") throws(ConfigError) {
        guard let value = Self(rawValue: hiddenAct) else {
            throw ConfigError.unsupported(field, "\"\(hiddenAct)\"", supported: Self.allCases.map(\.rawValue))
        }
        self = value
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .quickGelu: x.quickGelu()
        case .gelu: x.gelu()
        }
    }
}
