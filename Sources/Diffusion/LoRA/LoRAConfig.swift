/// What to adapt and how strongly, in PEFT's `LoraConfig` terms so a config reads the same in dbrun and diffusers.
///
/// The update of a targeted `Linear` is `scale · B·A·x` with `A` `[r, in]`, `B` `[out, r]` and `scale = alpha / r`
/// (PEFT's default, not rsLoRA); a targeted `Conv2d` gets a k×k `A` and a 1×1 `B` (see `LoRAGeometry`).
/// diffusers' DreamBooth-LoRA targets `to_q, to_k, to_v, to_out.0` in the UNet and `q_proj, k_proj, v_proj,
/// out_proj` in the text encoder.
public struct LoRAConfig: Codable, Sendable, Equatable {
    /// The rank `r` of the update.
    public var rank: Int
    /// `lora_alpha`: the update is scaled by `alpha / rank`, so the learning rate need not change with the rank.
    public var alpha: Float
    /// Module names as PEFT matches them: a target equals the module's dotted name or is a suffix of it after a
    /// dot (`to_q` matches `…attn1.to_q`, `to_out.0` matches `…attn1.to_out.0`).
    public var targetModules: [String]
    /// `lora_dropout`: probability of zeroing the adapter's input while training.
    public var dropout: Float

    public init(rank: Int, alpha: Float? = nil, targetModules: [String], dropout: Float = 0) {
        self.rank = rank
        self.alpha = alpha ?? Float(rank)
        self.targetModules = targetModules
        self.dropout = dropout
    }

    /// diffusers' DreamBooth-LoRA UNet targets.
    public static let unetAttentionTargets = ["to_q", "to_k", "to_v", "to_out.0"]
    /// PEFT's targets for the CLIP text encoder in diffusers' DreamBooth-LoRA.
    public static let textEncoderAttentionTargets = ["q_proj", "k_proj", "v_proj", "out_proj"]

    /// `alpha / rank`, the factor on `B·A`.
    public var scale: Float { alpha / Float(rank) }

    /// Whether `moduleName` is targeted (PEFT's suffix rule for a list of names).
    public func matches(_ moduleName: String) -> Bool {
        targetModules.contains { moduleName == $0 || moduleName.hasSuffix("." + $0) }
    }

    /// Refuses values PEFT would refuse, naming the field.
    public func validate() throws(LoRAError) {
        guard rank > 0 else { throw LoRAError("LoRA r = \(rank): the rank must be positive") }
        guard alpha.isFinite else { throw LoRAError("LoRA lora_alpha = \(alpha): must be a finite number") }
        guard (0..<1).contains(dropout) else {
            throw LoRAError("LoRA lora_dropout = \(dropout): must be in [0, 1)")
        }
        guard !targetModules.isEmpty, targetModules.allSatisfy({ !$0.isEmpty }) else {
            throw LoRAError("LoRA target_modules = \(targetModules): needs at least one non-empty module name")
        }
    }
}
