import Diffusion
import Foundation
import Imaging
import Tensor
import Training

/// DreamBooth's objective, as diffusers' `train_dreambooth.py` computes it: a batch of instance photos with the
/// instance prompt (or, with captions as kohya's scripts read them, each photo's own), followed (with prior
/// preservation) by as many class images with the class prompt; one noise draw over the whole batch; loss = instance MSE + λ · prior MSE, min-SNR weighting on the instance half.
final class DreamBoothTask: TrainingTask {
    /// Images and the prompt of each (one prompt for all, or captions).
    struct Examples {
        var images: [Image]
        var prompts: [String]

        init(images: [Image], prompt: String) { self.init(images: images, prompts: [prompt]) }

        /// One prompt for all the images, or one per image.
        init(images: [Image], prompts: [String]) {
            precondition(prompts.count == 1 || prompts.count == images.count, "\(prompts.count) prompts for \(images.count) images")
            self.images = images
            self.prompts = prompts.count == 1 ? Array(repeating: prompts[0], count: images.count) : prompts
        }

        /// Example `n`'s prompt: that of image `n`, cycling.
        func prompt(_ n: Int) -> String { prompts[n % images.count] }
    }

    let unet: UNet2DConditionModel
    let vae: AutoencoderKL
    let textEncoder: CLIPTextModel
    let tokenizer: CLIPTokenizer
    let instance: Examples
    /// The class images and prompt, nil without prior preservation.
    let prior: Examples?
    let priorLossWeight: Float
    let objective: DenoisingObjective
    let transform: TrainingTransform
    let batchSize: Int
    let dataSeed: UInt64
    /// The text encoder trains too (`train_text_encoder`); otherwise its states for both prompts are computed once.
    let trainTextEncoder: Bool
    /// The parameters that train: the UNet's (and text encoder's) own, or their LoRA adapters'.
    let trainable: [(name: String, tensor: Tensor)]
    private var frozenStates: [String: Tensor] = [:]

    init(unet: UNet2DConditionModel, vae: AutoencoderKL, textEncoder: CLIPTextModel, tokenizer: CLIPTokenizer,
         instance: Examples, prior: Examples?, priorLossWeight: Float, objective: DenoisingObjective,
         transform: TrainingTransform, batchSize: Int, dataSeed: UInt64, trainTextEncoder: Bool,
         trainable: [(name: String, tensor: Tensor)]) {
        self.unet = unet
        self.vae = vae
        self.textEncoder = textEncoder
        self.tokenizer = tokenizer
        self.instance = instance
        self.prior = prior
        self.priorLossWeight = priorLossWeight
        self.objective = objective
        self.transform = transform
        self.batchSize = batchSize
        self.dataSeed = dataSeed
        self.trainTextEncoder = trainTextEncoder
        self.trainable = trainable
        vae.setRequiresGrad(false)
    }

    var trainableParameters: [(name: String, tensor: Tensor)] { trainable }
    var examplesPerBatch: Int { batchSize * (prior == nil ? 1 : 2) }

    /// Micro-batch `index`: instance photos `index·B …` (cycling), each cropped (and flipped) by its own seed, then
    /// class images the same way.
    func batch(_ index: Int) throws -> (pixels: Tensor, prompts: [String]) {
        var images: [Image] = [], prompts: [String] = []
        for (set, examples) in [instance, prior].compactMap({ $0 }).enumerated() {
            for k in 0..<batchSize {
                let n = index * batchSize + k
                let seed = dataSeed ^ UInt64(truncatingIfNeeded: (n &* 2 &+ set) &* 0x9E37_79B9)
                images.append(transform.apply(examples.images[n % examples.images.count], seed: seed))
                prompts.append(examples.prompt(n))
            }
        }
        return (Tensor(images: images, range: .signed), prompts)
    }

    /// Draw order: the latent sample, then the objective's timesteps and noise over the whole batch.
    func loss(_ batch: (pixels: Tensor, prompts: [String]), random: inout RandomGenerator) throws -> Tensor {
        let latents = try noGrad {
            let (mean, logvar) = try vae.encode(batch.pixels)
            return vae.sample(mean: mean, logvar: logvar, generator: &random) * vae.scalingFactor
        }
        let context = try states(batch.prompts)
        let draw = objective.draw(clean: latents, random: &random)
        let predicted = try unet.forward(sample: draw.noisy, timesteps: draw.timesteps.map(Float.init),
                                         encoderHiddenStates: context)
        guard prior != nil else { return objective.loss(predicted, draw) }
        let (instanceLoss, priorLoss) = objective.splitLoss(predicted, draw, at: batchSize)
        return instanceLoss + priorLoss * priorLossWeight
    }

    /// The text encoder's states for the prompts: with gradients when it trains, else from a memo.
    func states(_ prompts: [String]) throws -> Tensor {
        if trainTextEncoder { return try textEncoder(prompts.map { tokenizer.encode($0) }).lastHiddenState }
        for prompt in Set(prompts) where frozenStates[prompt] == nil {
            frozenStates[prompt] = try noGrad { try textEncoder([tokenizer.encode(prompt)]).lastHiddenState }
        }
        return Tensor.concat(prompts.map { frozenStates[$0]! }, axis: 0)
    }
}
