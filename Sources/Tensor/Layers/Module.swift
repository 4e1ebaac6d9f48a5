/// A model part that owns parameters and child modules under checkpoint names (diffusers' module tree:
/// `down_blocks.0.resnets.0.conv1.weight`), so loading, saving, freezing and optimizer groups all work
/// from names that match the checkpoint.
public protocol Module: AnyObject {
    /// Calls `visitor.parameter` for each own parameter and `visitor.child` for each child module.
    func visitParameters(_ visitor: inout ParameterVisitor)
}

/// Walks a module tree, handing each parameter (by full dotted name) to an action that may replace it.
public struct ParameterVisitor {
    let prefix: String
    let action: (String, inout Tensor) -> Void
    /// Called with each child module's full dotted name before its parameters (see `namedModules()`).
    let moduleAction: ((String, Module) -> Void)?

    public init(prefix: String = "", _ action: @escaping (String, inout Tensor) -> Void) {
        self.prefix = prefix
        self.action = action
        moduleAction = nil
    }

    /// A visitor that reports child modules by dotted name (`encoder.layers.0.self_attn.q_proj`), for finding
    /// layers by checkpoint name (LoRA targets); parameters are passed over.
    public init(prefix: String = "", modules: @escaping (String, Module) -> Void) {
        self.prefix = prefix
        action = { _, _ in }
        moduleAction = modules
    }

    init(prefix: String, _ action: @escaping (String, inout Tensor) -> Void, _ moduleAction: ((String, Module) -> Void)?) {
        self.prefix = prefix
        self.action = action
        self.moduleAction = moduleAction
    }

    /// Visits one parameter stored in a property of the module.
    public mutating func parameter(_ name: String, _ tensor: inout Tensor) { action(prefix + name, &tensor) }

    /// Visits an optional parameter (e.g. a bias) if present.
    public mutating func parameter(_ name: String, _ tensor: inout Tensor?) {
        guard var t = tensor else { return }
        action(prefix + name, &t)
        tensor = t
    }

    /// Visits a child module's parameters under `name.`.
    public mutating func child(_ name: String, _ module: Module) {
        moduleAction?(prefix + name, module)
        var sub = ParameterVisitor(prefix: prefix + name + ".", action, moduleAction)
        module.visitParameters(&sub)
    }

    /// Visits a list of children under `name.0.`, `name.1.`, … (PyTorch's ModuleList).
    public mutating func children(_ name: String, _ modules: [Module]) {
        for (i, m) in modules.enumerated() { child("\(name).\(i)", m) }
    }
}

extension Module {
    /// Every parameter with its dotted name, in visiting order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var found: [(name: String, tensor: Tensor)] = []
        var v = ParameterVisitor { name, t in found.append((name, t)) }
        visitParameters(&v)
        return found
    }

    /// Every child module, nested ones included, with its dotted name, in visiting order (PyTorch's
    /// `named_modules()` without the root): how adapters find layers by checkpoint name.
    public func namedModules() -> [(name: String, module: Module)] {
        var found: [(name: String, module: Module)] = []
        var v = ParameterVisitor(modules: { name, module in found.append((name, module)) })
        visitParameters(&v)
        return found
    }

    /// The number of scalar parameters (all of them, trainable or not).
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    /// Parameters that currently require a gradient (what an optimizer should step).
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }

    /// Freezes or unfreezes every parameter whose name passes `filter` (frozen ones cost no gradient work).
    public func setRequiresGrad(_ flag: Bool, where filter: @escaping (String) -> Bool = { _ in true }) {
        var v = ParameterVisitor { name, t in if filter(name) { t.requiresGrad = flag } }
        visitParameters(&v)
    }

    /// The parameters by name (plug into a safetensors writer).
    public func stateDict() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.name, $0.tensor) })
    }

    /// Copies values in by name, strictly: a missing, extra or misshapen entry throws and names the key.
    public func load(stateDict: [String: Tensor]) throws {
        var seen = Set<String>()
        var failure: StateDictError?
        var v = ParameterVisitor { name, t in
            guard failure == nil else { return }
            do {
                t.copy(from: try stateEntry(stateDict, name, shape: t.shape))
                seen.insert(name)
            } catch let e as StateDictError {
                failure = e
            } catch {}
        }
        visitParameters(&v)
        if let failure { throw failure }
        let extra = Set(stateDict.keys).subtracting(seen)
        if !extra.isEmpty { throw StateDictError.unexpected(Array(extra)) }
    }
}
