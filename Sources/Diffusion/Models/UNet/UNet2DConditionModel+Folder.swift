import SafeTensors
import Tensor

extension UNet2DConditionModel {
    /// Loads `folder/config.json` and `folder/diffusion_pytorch_model.safetensors` (a diffusers `unet/` folder),
    /// strictly: an unsupported config value, or a missing, extra or misshapen tensor, is an error naming it.
    public static func load(folder: String) throws -> UNet2DConditionModel {
        let loaded = try UNet2DConditionConfig.load(path: DiffusersFolder.configPath(folder))
        let model = try UNet2DConditionModel(config: loaded.config)
        model.ignoredConfigKeys = loaded.ignoredKeys
        try DiffusersFolder.loadWeights(model, folder: folder)
        return model
    }

    /// Writes the folder so that diffusers' `UNet2DConditionModel.from_pretrained(folder)` loads it.
    public func save(folder: String, as dtype: SafeTensorsDType = .float32) throws {
        try DiffusersFolder.save(self, config: config, className: "UNet2DConditionModel", folder: folder, dtype: dtype)
    }
}
