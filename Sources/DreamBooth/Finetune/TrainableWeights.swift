import Diffusion
import Foundation
import SafeTensors
import Tensor

/// What a fine-tune trains: the UNet's (and, if asked, the text encoder's) own weights, or LoRA adapters injected
/// into them. Everything else is frozen. `finish` writes the adapters' files and merges them, so the published
/// model folder is a plain one whichever way it trained.
struct TrainableWeights {
    private(set) var parameters: [(name: String, tensor: Tensor)] = []
    private(set) var adapters: [LoRAComponent: LoRAAdapters] = [:]

    init(unet: UNet2DConditionModel, vae: AutoencoderKL, textEncoder: CLIPTextModel, trainTextEncoder: Bool,
         lora: LoRAOptions?, generator: inout RandomGenerator) throws {
        vae.setRequiresGrad(false)
        textEncoder.setRequiresGrad(false)
        if let lora {
            adapters[.unet] = try LoRA.inject(into: unet, config: lora.config, generator: &generator)
            if trainTextEncoder {
                adapters[.textEncoder] = try LoRA.inject(into: textEncoder, config: lora.textEncoderConfig, generator: &generator)
            }
            for (component, set) in adapters.sorted(by: { $0.key < $1.key }) {
                parameters += set.namedParameters().map { ("\(component.rawValue).\($0.name)", $0.tensor) }
            }
        } else {
            unet.setRequiresGrad(true)
            parameters = unet.namedParameters().map { ("unet.\($0.name)", $0.tensor) }
            if trainTextEncoder {
                textEncoder.setRequiresGrad(true)
                parameters += textEncoder.namedParameters().map { ("text_encoder.\($0.name)", $0.tensor) }
            }
        }
    }

    /// With LoRA: writes the adapters into `loraFolder` (diffusers' and kohya's files), then merges them. The
    /// folder is only asked for with LoRA: a full fine-tune declares no `lora` output.
    func finish(loraFolder: @autoclosure () -> URL, as dtype: SafeTensorsDType) throws {
        guard !adapters.isEmpty else { return }
        try LoRAOptions.write(adapters, to: loraFolder(), as: dtype)
        for set in adapters.values { set.merge() }
    }
}
