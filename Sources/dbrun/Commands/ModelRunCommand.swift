import ArgumentParser
import Diffusion
import Foundation
import Pipeline
import SafeTensors
import Tensor

/// `dbrun model …`: run parts of a diffusers-layout model folder.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Run one component of a diffusers-layout model folder.",
        subcommands: [ModelRunCommand.self]
    )
}

/// `dbrun model run --model DIR --component C --inputs IN.safetensors --output OUT.safetensors` (DESIGN.md
/// contract): named input tensors in, named output tensors out, so any tool can check dbrun against diffusers.
struct ModelRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a component on named input tensors and write its named outputs.",
        discussion: """
        Components and tensor names:
          text_encoder  in: input_ids                                   out: last_hidden_state, pooler_output
          unet          in: sample, timestep, encoder_hidden_states,
                            optional class_labels                       out: sample
          vae_decoder   in: latent                                      out: sample
          vae_encoder   in: sample                                      out: mean, logvar
        """
    )

    enum Component: String, ExpressibleByArgument, CaseIterable {
        case textEncoder = "text_encoder", unet, vaeDecoder = "vae_decoder", vaeEncoder = "vae_encoder"
    }

    @Option(help: "A diffusers-layout model folder (it may hold only some components).") var model: String
    @Option(help: "text_encoder, unet, vae_decoder or vae_encoder.") var component: Component
    @Option(help: "A safetensors file of named input tensors.") var inputs: String
    @Option(help: "Where to write the named output tensors (safetensors).") var output: String

    func run() throws {
        let inputFile: SafeTensorsFile
        do {
            inputFile = try SafeTensorsFile(path: inputs)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: inputs), "\(error)")
        }
        let outputs: [String: Tensor]
        do {
            outputs = try ComponentRunner.run(component.rawValue, modelFolder: model, inputs: inputFile)
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: model), "\(error)")
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for name in outputs.keys.sorted() { try writer.add(name, outputs[name]!) }
        try writer.write(to: output)
    }
}

/// Loads one component from a model folder and runs it on named inputs.
enum ComponentRunner {
    static func run(_ component: String, modelFolder: String, inputs: SafeTensorsFile) throws -> [String: Tensor] {
        let root = URL(fileURLWithPath: modelFolder)
        func folder(_ name: String) throws -> String {
            let url = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                throw PipelineError.invalid(at: SourceLocation(file: url.path), "this model folder has no \(name)/config.json",
                                            hint: "--model names a diffusers-layout folder with \(name)/ inside")
            }
            return url.path
        }
        switch component {
        case "text_encoder":
            return try CLIPTextModel(folder: try folder("text_encoder")).runComponent(inputs: inputs)
        case "unet":
            let unet = try UNet2DConditionModel.load(folder: try folder("unet"))
            let classLabels = inputs.contains("class_labels") ? try numbers("class_labels", in: inputs).map { Int($0) } : nil
            let sample = try noGrad {
                try unet.forward(sample: try inputs.tensor("sample"), timesteps: try numbers("timestep", in: inputs),
                                 encoderHiddenStates: try inputs.tensor("encoder_hidden_states"), classLabels: classLabels)
            }
            return ["sample": sample]
        case "vae_decoder":
            let vae = try AutoencoderKL.load(folder: try folder("vae"))
            return ["sample": try noGrad { try vae.decode(try inputs.tensor("latent")) }]
        case "vae_encoder":
            let vae = try AutoencoderKL.load(folder: try folder("vae"))
            let (mean, logvar) = try noGrad { try vae.encode(try inputs.tensor("sample")) }
            return ["mean": mean, "logvar": logvar]
        default:
            throw PipelineError.invalid("unknown component \(component)")
        }
    }

    /// A float or integer tensor's values as floats (timesteps come either way).
    static func numbers(_ name: String, in file: SafeTensorsFile) throws -> [Float] {
        let info = try file.info(name)
        return info.dtype.convertsToFloat ? try file.floats(name) : try file.integers(name).map(Float.init)
    }
}
