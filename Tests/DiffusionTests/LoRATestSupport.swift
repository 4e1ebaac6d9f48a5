import Foundation
import Tensor
@testable import Diffusion

/// A module tree with `Linear` (and `Conv2d`) layers at given dotted names: diffusers' UNet names
/// (`down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0`) before the UNet itself exists in Swift.
final class LinearTree: Module {
    private var children: [(name: String, module: Module)] = []

    /// Layers `(name, in, out)`, created with random weights from `seed`.
    init(_ layers: [(name: String, inFeatures: Int, outFeatures: Int)], seed: UInt64 = 1) {
        var generator = RandomGenerator(seed: seed)
        for l in layers {
            insert(l.name.split(separator: ".").map(String.init),
                   Linear(l.inFeatures, l.outFeatures, generator: &generator))
        }
    }

    /// The layers of the fixture UNet that its LoRA adapts (`probe.<name>.x` in `lora/unet/io.safetensors`), with
    /// their sizes, kernels, strides and paddings, in sorted name order.
    init(probesOf fixture: ParityCase, seed: UInt64 = 1) throws {
        var generator = RandomGenerator(seed: seed)
        for name in Self.probeNames(fixture) {
            let x = try fixture.tensor("probe.\(name).x"), delta = try fixture.tensor("probe.\(name).delta")
            let path = name.split(separator: ".").map(String.init)
            if fixture.io.contains("probe.\(name).conv") {
                let conv = try fixture.io.integers("probe.\(name).conv")
                insert(path, Conv2d(x.shape[1], delta.shape[1], kernelSize: conv[0], stride: conv[1], padding: conv[2],
                                    generator: &generator))
            } else {
                insert(path, Linear(x.shape[1], delta.shape[1], generator: &generator))
            }
        }
    }

    /// The module names with probes in `fixture`.
    static func probeNames(_ fixture: ParityCase) -> [String] {
        fixture.io.names.filter { $0.hasPrefix("probe.") && $0.hasSuffix(".x") }
            .map { String($0.dropFirst("probe.".count).dropLast(".x".count)) }.sorted()
    }

    private init() {}

    private func insert(_ path: [String], _ layer: Module) {
        if path.count == 1 { children.append((path[0], layer)); return }
        let node: LinearTree
        if let existing = children.first(where: { $0.name == path[0] })?.module as? LinearTree {
            node = existing
        } else {
            node = LinearTree()
            children.append((path[0], node))
        }
        node.insert(Array(path.dropFirst()), layer)
    }

    /// The `Linear` at `name`.
    func layer(_ name: String) -> Linear {
        namedModules().first { $0.name == name }!.module as! Linear
    }

    /// The `Linear` or `Conv2d` at `name`.
    func adaptable(_ name: String) -> any AdaptableLayer {
        namedModules().first { $0.name == name }!.module as! any AdaptableLayer
    }

    func visitParameters(_ v: inout ParameterVisitor) {
        for c in children { v.child(c.name, c.module) }
    }

    /// The attention projections of one diffusers `BasicTransformerBlock` (self- and cross-attention) plus its
    /// feed-forward, at 8 features with a 16-feature context.
    static func unetBlock(_ prefix: String = "down_blocks.0.attentions.0.transformer_blocks.0") -> LinearTree {
        var layers: [(String, Int, Int)] = []
        for attn in ["attn1", "attn2"] {
            let kv = attn == "attn1" ? 8 : 16
            layers += [("\(prefix).\(attn).to_q", 8, 8), ("\(prefix).\(attn).to_k", kv, 8),
                       ("\(prefix).\(attn).to_v", kv, 8), ("\(prefix).\(attn).to_out.0", 8, 8)]
        }
        layers += [("\(prefix).ff.net.0.proj", 8, 32), ("\(prefix).ff.net.2", 16, 8)]
        return LinearTree(layers.map { (name: $0.0, inFeatures: $0.1, outFeatures: $0.2) })
    }
}

/// Gives every adapter a non-zero B (a fresh one has B = 0 and would hide mistakes in B's use).
func randomizeUp(_ adapters: LoRAAdapters, seed: UInt64) {
    var g = RandomGenerator(seed: seed)
    for e in adapters.entries {
        e.adapter.up.copy(from: Tensor.randn(e.adapter.up.shape, std: 0.5, generator: &g))
    }
}

/// All parameters' values by name (to compare before and after).
func snapshot(_ module: Module) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.name, $0.tensor.scalars) })
}
