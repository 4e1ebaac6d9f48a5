import Tensor

/// The bridge between safetensors files and engine tensors: models load and save through these.
extension SafeTensorsFile {
    /// One tensor, converted to Float32.
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        let info = try info(name)
        return Tensor(shape: info.shape, scalars: try floats(name))
    }

    /// Every float tensor in the file by name (integer tensors are skipped: models hold none).
    public func floatTensors() throws(SafeTensorsError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for info in tensors where info.dtype.convertsToFloat { out[info.name] = try tensor(info.name) }
        return out
    }
}

extension Module {
    /// Loads every parameter from a safetensors file, strictly: a missing, unexpected or misshapen tensor throws
    /// an error that names it and the file.
    public func load(safetensors path: String) throws {
        let file = try SafeTensorsFile(path: path)
        do {
            try load(stateDict: try file.floatTensors())
        } catch let error as StateDictError {
            throw SafeTensorsError(path: path, "\(error)")
        }
    }

    /// Writes every parameter to a safetensors file (diffusers' `format: pt` metadata), F32 or F16.
    public func save(safetensors path: String, as dtype: SafeTensorsDType = .float32) throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (name, tensor) in namedParameters() { try writer.add(name, tensor, as: dtype) }
        try writer.write(to: path)
    }
}

extension SafeTensorsWriter {
    /// Adds an engine tensor under `name`.
    public mutating func add(_ name: String, _ tensor: Tensor, as dtype: SafeTensorsDType = .float32) throws(SafeTensorsError) {
        try add(name, shape: tensor.shape, floats: tensor.scalars, as: dtype)
    }
}

extension Optimizer {
    /// Saves the optimizer's state (moments, step count) as safetensors, so a training stage can resume exactly.
    public func save(safetensors path: String) throws {
        var writer = SafeTensorsWriter(metadata: ["format": "dbrun-optimizer", "optimizer": "\(type(of: self))"])
        for (name, tensor) in stateDict() { try writer.add(name, tensor) }
        try writer.write(to: path)
    }

    /// Restores state written by `save(safetensors:)`; a missing, extra or misshapen entry names itself and the file.
    public func load(safetensors path: String) throws {
        do {
            try load(stateDict: try SafeTensorsFile(path: path).floatTensors())
        } catch let error as StateDictError {
            throw SafeTensorsError(path: path, "\(error)")
        }
    }
}
