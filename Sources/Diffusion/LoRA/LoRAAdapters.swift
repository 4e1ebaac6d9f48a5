import Tensor

/// The LoRA branches attached to one model (the UNet or the text encoder), by the dotted name of the layer each
/// adapts.
///
/// As a `Module` its parameters are named `<module>.lora_A.weight` / `<module>.lora_B.weight` — PEFT's
/// `get_peft_model_state_dict` names — so the optimizer, gradient clipping and the state dict all work from it,
/// while the base model's own parameters and checkpoint stay as they were.
public final class LoRAAdapters: Module {
    /// The config the adapters were made with (for a loaded file: what the file says, see `LoRA.load`).
    public let config: LoRAConfig
    /// `(module name, adapted layer, adapter)`, in the model's module order.
    public let entries: [(name: String, layer: any AdaptableLayer, adapter: LoRALayer)]
    /// True while the updates are folded into the base weights (then the branches are detached).
    public private(set) var isMerged = false

    init(config: LoRAConfig, entries: [(name: String, layer: any AdaptableLayer, adapter: LoRALayer)]) {
        self.config = config
        self.entries = entries
    }

    /// The adapted module names.
    public var names: [String] { entries.map(\.name) }

    /// The adapter of module `name`, if it has one.
    public subscript(name: String) -> LoRALayer? { entries.first { $0.name == name }?.adapter }

    /// Switches dropout on or off in every adapter (PEFT's `train()` / `eval()`).
    public var training: Bool {
        get { entries.first?.adapter.training ?? false }
        set { for e in entries { e.adapter.training = newValue } }
    }

    /// Folds each update into its layer, `W += scale·B·A`, and detaches the branches: inference then costs no
    /// more than the base model (diffusers' `fuse_lora`). Unmerging subtracts the same values, which restores
    /// the base weights up to Float32 rounding.
    public func merge() {
        guard !isMerged else { return }
        for e in entries {
            e.layer.weight.addInPlace(e.adapter.delta())
            e.layer.adapter = nil
        }
        isMerged = true
    }

    /// Undoes `merge()` and re-attaches the branches.
    public func unmerge() {
        guard isMerged else { return }
        for e in entries {
            e.layer.weight.addInPlace(e.adapter.delta(), scale: -1)
            e.layer.adapter = e.adapter
        }
        isMerged = false
    }

    /// Detaches every branch (unmerged): the model computes its base function again.
    public func remove() {
        unmerge()
        for e in entries where e.layer.adapter === e.adapter {
            e.layer.adapter = nil
        }
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        for e in entries { v.child(e.name, e.adapter) }
    }
}
