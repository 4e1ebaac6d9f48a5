import Foundation
import SafeTensors
import Tensor

/// The file layouts dbrun writes adapters in (both are read back by `LoRA.load`).
public enum LoRAFileFormat: String, Sendable, CaseIterable {
    /// diffusers/PEFT keys in `pytorch_lora_weights.safetensors`, with the `LoraConfig` in the
    /// `lora_adapter_metadata` header entry: what `pipe.load_lora_weights(folder)` loads.
    case diffusers
    /// kohya-ss keys (`lora_unet_<module>.lora_down.weight`, `.lora_up.weight`, `.alpha`): what A1111, ComfyUI and
    /// diffusers' kohya converter load.
    case kohya
}

extension LoRA {
    /// The file name diffusers looks for in a LoRA folder.
    public static let diffusersWeightName = "pytorch_lora_weights.safetensors"
    /// The safetensors header entry where diffusers keeps each component's `LoraConfig` as JSON.
    static let metadataKey = "lora_adapter_metadata"

    /// Writes the adapters of each component to one safetensors file (atomically), F32 or F16.
    ///
    /// diffusers' format stores one `lora_alpha` per component; a module whose own alpha differs (a loaded kohya
    /// file) has the difference folded into its `B`, so the file computes the same update.
    public static func save(_ adapters: [LoRAComponent: LoRAAdapters], to path: String,
                            format: LoRAFileFormat = .diffusers, as dtype: SafeTensorsDType = .float32) throws {
        guard let first = adapters.values.first(where: { !$0.entries.isEmpty }) else {
            throw LoRAError(path: path, "no adapters to save")
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        var configs: [String: Any] = [:]
        for (component, set) in adapters.sorted(by: { $0.key < $1.key }) {
            for e in set.entries {
                let a = e.adapter
                switch format {
                case .diffusers:
                    let fold = a.alpha / set.config.alpha
                    try writer.add(LoRAKeys.diffusers(component, module: e.name, .down), a.down, as: dtype)
                    try writer.add(LoRAKeys.diffusers(component, module: e.name, .up), a.up.detached() * fold, as: dtype)
                case .kohya:
                    try writer.add(LoRAKeys.kohya(component, module: e.name, .down), a.down, as: dtype)
                    try writer.add(LoRAKeys.kohya(component, module: e.name, .up), a.up, as: dtype)
                    try writer.add(LoRAKeys.kohya(component, module: e.name, .alpha), Tensor(scalar: a.alpha), as: dtype)
                }
            }
            if format == .diffusers {
                for (key, value) in peftConfig(set) { configs["\(component.rawValue).\(key)"] = value }
            }
        }
        switch format {
        case .diffusers:
            let json = try JSONSerialization.data(withJSONObject: configs, options: [.prettyPrinted, .sortedKeys])
            writer.metadata[metadataKey] = String(decoding: json, as: UTF8.self)
        case .kohya:
            // kohya's own header entries, which A1111's extra-networks page shows.
            writer.metadata["ss_network_module"] = "networks.lora"
            writer.metadata["ss_network_dim"] = "\(first.config.rank)"
            writer.metadata["ss_network_alpha"] = "\(first.config.alpha)"
        }
        try writer.write(to: path)
    }

    /// The `LoraConfig` fields diffusers passes to `LoraConfig(**metadata)` when it loads the file.
    static func peftConfig(_ set: LoRAAdapters) -> [String: Any] {
        let c = set.config
        var rankPattern: [String: Int] = [:]
        for e in set.entries where e.adapter.rank != c.rank { rankPattern[e.name] = e.adapter.rank }
        return [
            "r": c.rank,
            "lora_alpha": jsonNumber(c.alpha),
            "target_modules": c.targetModules.sorted(),
            "lora_dropout": jsonNumber(c.dropout),
            "bias": "none",
            "use_dora": false,
            "use_rslora": false,
            "init_lora_weights": true,
            "fan_in_fan_out": false,
            "lora_bias": false,
            "rank_pattern": rankPattern,
            "alpha_pattern": [String: Int](),
            "peft_type": "LORA",
        ]
    }

    /// An integer when the value is whole (PEFT configs write `"lora_alpha": 8`), else a double.
    private static func jsonNumber(_ value: Float) -> Any {
        value == value.rounded() && abs(value) < 1e9 ? Int(value) as Any : Double(value) as Any
    }
}
