import Foundation
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Adapters train on the engine: gradients against finite differences, and AdamW fitting a target while the base
/// model stays bit for bit the same.
@Suite struct LoRATrainingTests {
    /// ∂L/∂A and ∂L/∂B through an adapted layer inside a tree, against central differences along a random
    /// direction (L is bilinear in A and B, so the difference quotient is exact up to rounding).
    @Test func adapterGradientsMatchFiniteDifferences() throws {
        let tree = LinearTree.unetBlock()
        var g = RandomGenerator(seed: 11)
        let adapters = try LoRA.inject(into: tree, config: LoRAConfig(rank: 3, alpha: 5, targetModules: ["to_out.0"]),
                                       generator: &g)
        randomizeUp(adapters, seed: 12)
        let p = "down_blocks.0.attentions.0.transformer_blocks.0"
        let q = tree.layer("\(p).attn1.to_q"), out = tree.layer("\(p).attn1.to_out.0")
        let ff = tree.layer("\(p).ff.net.0.proj")
        let x = Tensor.randn([2, 4, 8], generator: &g)
        let r = Tensor.randn([2, 4, 32], generator: &g)
        func loss() -> Tensor { (ff(out(q(x))) * r).sum() }

        let adapter = adapters["\(p).attn1.to_out.0"]!
        loss().backward()
        let gradA = try #require(adapter.down.grad).scalars, gradB = try #require(adapter.up.grad).scalars
        #expect(q.weight.grad == nil && out.weight.grad == nil)

        let a0 = adapter.down.scalars, b0 = adapter.up.scalars
        let va = Tensor.randn(adapter.down.shape, generator: &g).scalars
        let vb = Tensor.randn(adapter.up.shape, generator: &g).scalars
        let eps: Float = 1e-2
        func shifted(_ sign: Float) -> Double {
            adapter.down.copy(from: Tensor(shape: adapter.down.shape, scalars: zip(a0, va).map { $0 + sign * eps * $1 }))
            adapter.up.copy(from: Tensor(shape: adapter.up.shape, scalars: zip(b0, vb).map { $0 + sign * eps * $1 }))
            return Double(noGrad { loss() }.item)
        }
        let numeric = (shifted(1) - shifted(-1)) / Double(2 * eps)
        let analytic = zip(gradA, va).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            + zip(gradB, vb).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let scale = max(abs(analytic), 1)
        #expect(abs(numeric - analytic) / scale < 1e-2, "numeric \(numeric), analytic \(analytic)")
    }

    /// A text-encoder LoRA trained with AdamW to reproduce a target output: the loss falls, only adapters move.
    @Test func adamWFitsATargetWithTheBaseFrozen() throws {
        let model = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
        let ids = [[60, 5, 17, 33, 61, 61], [60, 40, 12, 61, 61, 61]]
        var g = RandomGenerator(seed: 21)
        let base = try noGrad { try model(ids).lastHiddenState }
        let target = base + Tensor.randn(base.shape, std: 0.3, generator: &g)
        let before = snapshot(model)

        let config = LoRAConfig(rank: 4, alpha: 8, targetModules: LoRAConfig.textEncoderAttentionTargets)
        let adapters = try LoRA.inject(into: model, config: config, generator: &g)
        let optimizer = AdamW(adapters.trainableParameters().map(\.tensor), learningRate: 1e-2, weightDecay: 0)
        var losses: [Float] = []
        for _ in 0..<30 {
            optimizer.zeroGrad()
            let loss = Tensor.mseLoss(try model(ids).lastHiddenState, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        #expect(losses.last! < 0.6 * losses.first!, "losses \(losses)")
        #expect(snapshot(model) == before)
        #expect(model.trainableParameters().isEmpty)
        #expect(adapters.entries.allSatisfy { $0.adapter.up.scalars.contains { $0 != 0 } })
    }

    /// Adapters inside gradient-checkpointed layers (recomputed in backward) get the same gradients as without.
    @Test func gradientsSurviveGradientCheckpointing() throws {
        var grads: [[Float]] = []
        for checkpointing in [false, true] {
            let model = try CLIPTextModel(folder: FixturePaths.fixture("lora/text_encoder/model"))
            model.gradientCheckpointing = checkpointing
            var g = RandomGenerator(seed: 41)
            let adapters = try LoRA.inject(into: model, config: LoRAConfig(rank: 2, alpha: 4, targetModules:
                LoRAConfig.textEncoderAttentionTargets), generator: &g)
            randomizeUp(adapters, seed: 42)
            let out = try model([[60, 7, 9, 61]]).lastHiddenState
            (out * Tensor.randn(out.shape, generator: &g)).sum().backward()
            grads.append(adapters.trainableParameters().flatMap { $0.tensor.grad?.scalars ?? [] })
        }
        #expect(grads[0].count == 16 * 2 * 32 && grads[0].contains { $0 != 0 })
        #expect(closeness(grads[1], grads[0]) <= 1)
    }

    /// Dropout only while training, from the adapter's own seeded stream.
    @Test func dropoutAppliesOnlyWhileTraining() throws {
        let tree = LinearTree.unetBlock()
        var g = RandomGenerator(seed: 31)
        let adapters = try LoRA.inject(into: tree, config: LoRAConfig(rank: 2, targetModules: ["to_q"], dropout: 0.5),
                                       generator: &g)
        randomizeUp(adapters, seed: 32)
        let layer = tree.layer("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q")
        let x = Tensor.randn([8, 8], generator: &g)
        let eval1 = noGrad { layer(x) }.scalars
        #expect(noGrad { layer(x) }.scalars == eval1)
        adapters.training = true
        let train1 = noGrad { layer(x) }.scalars, train2 = noGrad { layer(x) }.scalars
        #expect(train1 != eval1 && train1 != train2)
        adapters.training = false
        #expect(noGrad { layer(x) }.scalars == eval1)
    }
}
