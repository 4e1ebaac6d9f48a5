import Foundation
import SafeTensors
import Tensor

extension LoRA {
    /// Reads a LoRA file in diffusers/PEFT or kohya layout (found from its keys, as diffusers does) and attaches
    /// its adapters to the given models, returning them by component.
    ///
    /// Strict like a checkpoint load: a key of an unknown spelling, a component with no model given, a module
    /// the model lacks, a missing half or a shape that does not fit is an error naming the key. The alpha of each
    /// module comes from its kohya `.alpha`, else the file's `lora_adapter_metadata`, else equals the rank
    /// (scale 1, diffusers' convention for files without either). A model the file has no keys for gets none.
    /// `path` may be a folder holding `pytorch_lora_weights.safetensors`, as `pipe.load_lora_weights` takes.
    public static func load(_ path: String, into models: [LoRAComponent: Module]) throws
        -> [LoRAComponent: LoRAAdapters]
    {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return try load(path + "/" + diffusersWeightName, into: models)
        }
        let file = try SafeTensorsFile(path: path)
        let metadata = try peftMetadata(file)
        let kohya = LoRAKeys.isKohya(file.names)
        var found: [LoRAComponent: [String: Pieces]] = [:]
        for key in file.names {
            let parsed: (component: LoRAComponent, module: String, part: LoRAPart)?
            if kohya {
                parsed = LoRAKeys.parseKohya(key).map { ($0.component, $0.stem, $0.part) }
            } else {
                parsed = LoRAKeys.parseDiffusers(key)
            }
            guard let (component, module, part) = parsed else {
                throw LoRAError(path: path, "\(key) is not a LoRA key dbrun reads (lora_A/lora_B, lora.down/up, "
                                + "lora_linear_layer.down/up, kohya lora_down/lora_up/alpha; DoRA and LoRA biases are "
                                + "not supported)")
            }
            guard models[component] != nil else {
                throw LoRAError(path: path, "\(key) adapts the \(component.rawValue), but no \(component.rawValue) was given")
            }
            found[component, default: [:]][module, default: Pieces()].set(part, key)
        }
        var result: [LoRAComponent: LoRAAdapters] = [:]
        for (component, modules) in found.sorted(by: { $0.key < $1.key }) {
            let model = models[component]!
            let layers = adaptableLayers(of: model)
            let resolve = try resolver(layers, component: component, kohya: kohya, path: path)
            let meta = try metadata.map { try ComponentMetadata($0, component: component, path: path) } ?? nil
            var byName: [String: (layer: any AdaptableLayer, adapter: LoRALayer)] = [:]
            for (module, pieces) in modules {
                guard let (name, layer) = resolve(module) else {
                    throw LoRAError(path: path, "\(pieces.anyKey): the \(component.rawValue) has no Linear or Conv2d "
                                    + "layer \(module)")
                }
                let adapter = try pieces.adapter(file, geometry: layer.loraGeometry, meta: meta, path: path)
                guard byName[name] == nil else { throw LoRAError(path: path, "\(pieces.anyKey): \(name) is adapted twice") }
                byName[name] = (layer, adapter)
            }
            let entries = layers.compactMap { l in byName[l.name].map { (l.name, $0.layer, $0.adapter) } }
            let ranks = entries.map(\.2.rank)
            let rank = Dictionary(grouping: ranks, by: { $0 }).max { a, b in
                a.value.count < b.value.count || (a.value.count == b.value.count && a.key > b.key)
            }!.key
            let config = LoRAConfig(rank: rank, alpha: meta?.alpha ?? entries.first { $0.2.rank == rank }!.2.alpha,
                                    targetModules: meta?.targetModules ?? entries.map(\.0),
                                    dropout: meta?.dropout ?? 0)
            do {
                result[component] = try attach(entries, to: model, config: config)
            } catch var error {
                error.path = path
                throw error
            }
        }
        return result
    }

    /// The parsed `lora_adapter_metadata` header entry, nil when absent.
    private static func peftMetadata(_ file: SafeTensorsFile) throws -> [String: Any]? {
        guard let raw = file.metadata[metadataKey] else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] else {
            throw LoRAError(path: file.path, "the \(metadataKey) header entry is not a JSON object")
        }
        return object
    }

    /// Maps a module name as the file spells it to the model's layer of that name.
    private static func resolver(_ layers: [(name: String, layer: any AdaptableLayer)], component: LoRAComponent,
                                 kohya: Bool, path: String) throws -> (String) -> (String, any AdaptableLayer)? {
        var table: [String: (String, any AdaptableLayer)] = [:]
        for (name, layer) in layers {
            let key = kohya ? LoRAKeys.kohyaModule(component, module: name) : name
            if kohya, let other = table[key] {
                throw LoRAError(path: path, "kohya name \(key) fits both \(other.0) and \(name)")
            }
            table[key] = (name, layer)
        }
        return { module in
            if kohya { return LoRAKeys.kohyaCandidates(module).lazy.compactMap { table[$0] }.first }
            return LoRAKeys.moduleCandidates(module, component).lazy.compactMap { table[$0] }.first
        }
    }
}

/// The keys of one module's adapter in a file.
private struct Pieces {
    var down: String?, up: String?, alpha: String?

    mutating func set(_ part: LoRAPart, _ key: String) {
        switch part {
        case .down: down = key
        case .up: up = key
        case .alpha: alpha = key
        }
    }

    var anyKey: String { down ?? up ?? alpha ?? "" }

    /// The adapter these keys describe, checked.
    func adapter(_ file: SafeTensorsFile, geometry: LoRAGeometry, meta: ComponentMetadata?, path: String) throws
        -> LoRALayer
    {
        guard let down else { throw LoRAError(path: path, "\(anyKey) has no matching down (A) weight") }
        guard let up else { throw LoRAError(path: path, "\(down) has no matching up (B) weight") }
        let a = try file.tensor(down), b = try file.tensor(up)
        var alphaValue = meta?.alpha ?? Float(a.shape[0])
        if let alpha {
            // kohya writes a float scalar; diffusers' `convert_state_dict_to_kohya` an int64 one.
            let info = try file.info(alpha)
            let values = info.dtype.convertsToFloat ? try file.floats(alpha) : try file.integers(alpha).map(Float.init)
            guard values.count == 1 else {
                throw LoRAError(path: path, "\(alpha) has shape \(info.shape), expected a scalar")
            }
            alphaValue = values[0]
        }
        do {
            return try LoRALayer(geometry, down: a, up: b, alpha: alphaValue, dropout: meta?.dropout ?? 0)
        } catch {
            throw LoRAError(path: path, "\(down), \(up): \(error.message)")
        }
    }
}

/// One component's `LoraConfig` from diffusers' `lora_adapter_metadata` (`unet.r`, `unet.lora_alpha`, …).
private struct ComponentMetadata {
    let alpha: Float?
    let targetModules: [String]?
    let dropout: Float?

    /// Nil when the metadata says nothing about `component`.
    init?(_ all: [String: Any], component: LoRAComponent, path: String) throws {
        let prefix = component.rawValue + "."
        let fields = Dictionary(uniqueKeysWithValues: all.compactMap { key, value in
            key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil
        })
        guard !fields.isEmpty else { return nil }
        func flag(_ name: String) -> Bool { (fields[name] as? Bool) ?? false }
        for name in ["use_dora", "use_rslora", "lora_bias", "fan_in_fan_out"] where flag(name) {
            throw LoRAError(path: path, "\(prefix)\(name) = true is not supported")
        }
        if let pattern = fields["alpha_pattern"] as? [String: Any], !pattern.isEmpty {
            throw LoRAError(path: path, "\(prefix)alpha_pattern (per-module alphas) is not supported")
        }
        alpha = (fields["lora_alpha"] as? NSNumber)?.floatValue
        dropout = (fields["lora_dropout"] as? NSNumber)?.floatValue
        if let list = fields["target_modules"] as? [String] {
            targetModules = list
        } else if let single = fields["target_modules"] as? String {
            targetModules = [single]
        } else {
            targetModules = nil
        }
    }
}
