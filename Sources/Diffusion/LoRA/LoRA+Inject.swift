import Tensor

/// LoRA on the engine: inject adapters into a model, train them, save and load them in diffusers' (PEFT) and
/// kohya's (A1111) file formats.
public enum LoRA {
    /// Attaches a fresh adapter to every `Linear` and `Conv2d` of `model` whose dotted name `config` targets, and
    /// freezes the model's own parameters, so an optimizer over the returned adapters trains only them (PEFT's
    /// `inject_adapter_in_model` with `init_lora_weights=True`: the model's output is unchanged until they train).
    ///
    /// Throws when nothing matches (as PEFT does: a misspelled target would otherwise train nothing) or when a
    /// targeted layer already carries an adapter.
    public static func inject(into model: Module, config: LoRAConfig, generator: inout RandomGenerator)
        throws(LoRAError) -> LoRAAdapters
    {
        try config.validate()
        let targets = adaptableLayers(of: model).filter { config.matches($0.name) }
        guard !targets.isEmpty else {
            throw LoRAError("LoRA target_modules \(config.targetModules) match no Linear or Conv2d layer of the model")
        }
        var made: [(name: String, layer: any AdaptableLayer, adapter: LoRALayer)] = []
        for (name, layer) in targets {
            let adapter = LoRALayer(layer.loraGeometry, rank: config.rank, alpha: config.alpha, dropout: config.dropout,
                                    generator: &generator)
            made.append((name, layer, adapter))
        }
        return try attach(made, to: model, config: config)
    }

    /// Every `Linear` and `Conv2d` of `model` with its dotted name.
    public static func adaptableLayers(of model: Module) -> [(name: String, layer: any AdaptableLayer)] {
        model.namedModules().compactMap { entry in (entry.module as? any AdaptableLayer).map { (entry.name, $0) } }
    }

    /// Hooks prepared adapters into their layers and freezes the base model.
    static func attach(_ entries: [(name: String, layer: any AdaptableLayer, adapter: LoRALayer)], to model: Module,
                       config: LoRAConfig) throws(LoRAError) -> LoRAAdapters {
        for e in entries {
            guard e.layer.adapter == nil else { throw LoRAError("module \(e.name) already carries an adapter") }
            guard e.adapter.geometry == e.layer.loraGeometry else {
                throw LoRAError("LoRA for \(e.name): A \(e.adapter.down.shape) and B \(e.adapter.up.shape) do not fit "
                                + "the layer's weight \(e.layer.weight.shape)")
            }
        }
        model.setRequiresGrad(false)
        for e in entries {
            e.layer.adapter = e.adapter
        }
        return LoRAAdapters(config: config, entries: entries)
    }
}
