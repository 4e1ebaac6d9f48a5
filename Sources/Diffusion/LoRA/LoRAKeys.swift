/// Which model of a pipeline an adapter set belongs to; it decides the key prefix in LoRA files.
public enum LoRAComponent: String, Sendable, CaseIterable, Comparable {
    case unet
    case textEncoder = "text_encoder"

    /// kohya's prefix: `lora_unet`, `lora_te` (A1111 and diffusers' converter read these).
    var kohyaPrefix: String {
        switch self {
        case .unet: "lora_unet"
        case .textEncoder: "lora_te"
        }
    }

    public static func < (a: LoRAComponent, b: LoRAComponent) -> Bool { a.rawValue < b.rawValue }
}

/// Which half of an adapter a tensor holds.
enum LoRAPart: Equatable {
    case down, up, alpha
}

/// All LoRA key spelling in one place: diffusers/PEFT keys, the older diffusers spellings it still loads, and
/// kohya's flattened names.
///
/// - PEFT (what dbrun writes): `unet.<module>.lora_A.weight`, `….lora_B.weight`; `text_encoder.<module>.…`.
/// - diffusers' `convert_state_dict_to_diffusers` (its DreamBooth script's output): `….to_q.lora.down.weight` in
///   the UNet, `….q_proj.lora_linear_layer.down.weight` in the text encoder.
/// - the pre-PEFT attention-processor format: `….attn1.processor.to_q_lora.down.weight`, `….self_attn.to_q_lora…`.
/// - kohya/A1111: `lora_unet_<module with . → _>.lora_down.weight`, `.lora_up.weight`, `.alpha`; `lora_te_…`.
enum LoRAKeys {
    // MARK: diffusers / PEFT

    /// The PEFT key of one tensor of module `name`.
    static func diffusers(_ component: LoRAComponent, module name: String, _ part: LoRAPart) -> String {
        switch part {
        case .down: "\(component.rawValue).\(name).lora_A.weight"
        case .up: "\(component.rawValue).\(name).lora_B.weight"
        case .alpha: "\(component.rawValue).\(name).alpha"
        }
    }

    /// Splits a diffusers-format key into component, module name (in the model's spelling) and part; nil when
    /// the key is not one of the spellings above.
    static func parseDiffusers(_ key: String) -> (component: LoRAComponent, module: String, part: LoRAPart)? {
        guard let component = LoRAComponent.allCases.first(where: { key.hasPrefix($0.rawValue + ".") }) else {
            return nil
        }
        let rest = String(key.dropFirst(component.rawValue.count + 1))
        let suffixes: [(String, LoRAPart)] = [
            (".lora_A.weight", .down), (".lora_B.weight", .up),
            (".lora.down.weight", .down), (".lora.up.weight", .up),
            (".lora_linear_layer.down.weight", .down), (".lora_linear_layer.up.weight", .up),
            ("_lora.down.weight", .down), ("_lora.up.weight", .up),
            (".alpha", .alpha),
        ]
        for (suffix, part) in suffixes where rest.hasSuffix(suffix) {
            var module = String(rest.dropLast(suffix.count))
            if suffix.hasPrefix("_lora") {
                guard let renamed = processorModule(module, component) else { return nil }
                module = renamed
            }
            return module.isEmpty ? nil : (component, module, part)
        }
        return nil
    }

    /// `…attn1.processor.to_q` → `…attn1.to_q` (`to_out` → `to_out.0`); in the text encoder `to_q` → `q_proj`.
    private static func processorModule(_ stem: String, _ component: LoRAComponent) -> String? {
        var parts = stem.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let last = parts.popLast() else { return nil }
        if parts.last == "processor" { parts.removeLast() }
        let unet = ["to_q": "to_q", "to_k": "to_k", "to_v": "to_v", "to_out": "to_out.0"]
        let text = ["to_q": "q_proj", "to_k": "k_proj", "to_v": "v_proj", "to_out": "out_proj"]
        guard let renamed = (component == .unet ? unet : text)[last] else { return nil }
        return (parts + [renamed]).joined(separator: ".")
    }

    /// Names a module of the file may go by in the model: as written, and with transformers' `text_model.` added
    /// (transformers 5 flattens `CLIPTextModel`, so PEFT on it writes `encoder.layers.0…`; dbrun's tree, like every
    /// Stable Diffusion checkpoint, keeps `text_model.encoder.layers.0…`).
    static func moduleCandidates(_ name: String, _ component: LoRAComponent) -> [String] {
        component == .textEncoder && !name.hasPrefix("text_model.") ? [name, "text_model." + name] : [name]
    }

    // MARK: kohya

    /// kohya's module name: `lora_unet_down_blocks_0_attentions_0_…_attn1_to_q`.
    static func kohyaModule(_ component: LoRAComponent, module name: String) -> String {
        component.kohyaPrefix + "_" + name.replacingOccurrences(of: ".", with: "_")
    }

    /// The kohya key of one tensor.
    static func kohya(_ component: LoRAComponent, module name: String, _ part: LoRAPart) -> String {
        let stem = kohyaModule(component, module: name)
        switch part {
        case .down: return stem + ".lora_down.weight"
        case .up: return stem + ".lora_up.weight"
        case .alpha: return stem + ".alpha"
        }
    }

    /// Splits a kohya key into component, flattened module name and part (the dotted name is recovered against
    /// the model's modules, since `_` is ambiguous: `down_blocks` vs `down.blocks`).
    static func parseKohya(_ key: String) -> (component: LoRAComponent, stem: String, part: LoRAPart)? {
        guard let dot = key.firstIndex(of: ".") else { return nil }
        let stem = String(key[..<dot]), suffix = String(key[dot...])
        let part: LoRAPart
        switch suffix {
        case ".lora_down.weight": part = .down
        case ".lora_up.weight": part = .up
        case ".alpha": part = .alpha
        default: return nil
        }
        if stem.hasPrefix("lora_unet_") { return (.unet, stem, part) }
        if stem.hasPrefix("lora_te_") || stem.hasPrefix("lora_te1_") { return (.textEncoder, stem, part) }
        return nil
    }

    /// Names a kohya module stem may match in `kohyaModule` spelling: as written, with diffusers' `lora_te1_`
    /// (its `convert_state_dict_to_kohya`) read as `lora_te_`, and with `text_model_` added when a flattened
    /// transformers-5 text encoder left it out.
    static func kohyaCandidates(_ stem: String) -> [String] {
        guard stem.hasPrefix("lora_te") else { return [stem] }
        let rest = stem.hasPrefix("lora_te1_") ? String(stem.dropFirst(9)) : String(stem.dropFirst(8))
        let plain = "lora_te_" + rest
        return rest.hasPrefix("text_model_") ? [plain] : [plain, "lora_te_text_model_" + rest]
    }

    /// Whether every key is kohya-style (diffusers' own test for a non-diffusers file).
    static func isKohya(_ keys: [String]) -> Bool {
        !keys.isEmpty && keys.allSatisfy { ["lora_unet_", "lora_te_", "lora_te1_"].contains(where: $0.hasPrefix) }
    }
}
