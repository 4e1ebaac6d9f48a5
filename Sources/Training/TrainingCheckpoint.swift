import Foundation
import SafeTensors
import Tensor

/// Everything a resumed run needs, in one folder per checkpoint (`checkpoint-000400/`): the trained weights, the
/// optimizer's moments and step, the EMA's shadow weights, and `state.json` (the step, the plan it ran under, the
/// loss curve so far, the seconds spent). The data position and the random streams follow from the step alone.
///
/// A checkpoint is written into a hidden temporary folder and renamed into place, so a run killed mid-write
/// leaves the previous checkpoint as the latest; older ones are removed once the new one is in place.
struct TrainingCheckpoint {
    struct State: Codable, Equatable {
        var format = 1
        var step: Int
        var plan: TrainingPlan
        var curve: LossCurve
        var seconds: Double
    }

    static let weightsFile = "weights.safetensors"
    static let optimizerFile = "optimizer.safetensors"
    static let emaFile = "ema.safetensors"
    static let stateFile = "state.json"
    static let prefix = "checkpoint-"

    static func name(step: Int) -> String { prefix + String(format: "%06d", step) }

    /// Writes a checkpoint for `state.step` into `folder`, atomically, and removes older ones.
    static func write(_ state: State, parameters: [(name: String, tensor: Tensor)], optimizer: some Optimizer,
                      ema: ExponentialMovingAverage?, into folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let partial = folder.appendingPathComponent(".partial-\(UUID().uuidString)")
        try fm.createDirectory(at: partial, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: partial) }

        var weights = SafeTensorsWriter(metadata: ["format": "dbrun-training-weights"])
        for (name, tensor) in parameters { try weights.add(name, tensor) }
        try weights.write(to: partial.appendingPathComponent(weightsFile).path)
        try optimizer.save(safetensors: partial.appendingPathComponent(optimizerFile).path)
        if let ema {
            var writer = SafeTensorsWriter(metadata: ["format": "dbrun-ema"])
            for (name, tensor) in ema.stateDict() { try writer.add(name, tensor) }
            try writer.write(to: partial.appendingPathComponent(emaFile).path)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: partial.appendingPathComponent(stateFile))
        try syncFiles(in: partial)

        let target = folder.appendingPathComponent(name(step: state.step))
        if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
        try fm.moveItem(at: partial, to: target)
        for (step, older) in existing(in: folder) where step != state.step {
            try? fm.removeItem(at: older)
        }
    }

    /// The checkpoints in `folder`, newest first.
    static func existing(in folder: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), let step = Int(name.dropFirst(prefix.count)) else { return nil }
            return (step, folder.appendingPathComponent(name))
        }.sorted { $0.0 > $1.0 }
    }

    /// Reads a checkpoint's state and restores weights, optimizer and EMA from it; strict: a missing or misshapen
    /// tensor throws, naming the file and the tensor.
    static func restore(from url: URL, parameters: [(name: String, tensor: Tensor)], optimizer: some Optimizer,
                        ema: ExponentialMovingAverage?) throws -> State {
        let state = try readState(url)
        let weightsPath = url.appendingPathComponent(weightsFile).path
        let stored = try SafeTensorsFile(path: weightsPath).floatTensors()
        let expected = Set(parameters.map(\.name))
        if let extra = stored.keys.first(where: { !expected.contains($0) }) {
            throw SafeTensorsError(path: weightsPath, tensor: extra, "the checkpoint holds a tensor the model does not train")
        }
        for (name, tensor) in parameters {
            guard let value = stored[name] else {
                throw SafeTensorsError(path: weightsPath, tensor: name, "missing from the checkpoint")
            }
            guard value.shape == tensor.shape else {
                throw SafeTensorsError(path: weightsPath, tensor: name, "shape \(value.shape), the model's is \(tensor.shape)")
            }
            tensor.copy(from: value)
        }
        try optimizer.load(safetensors: url.appendingPathComponent(optimizerFile).path)
        if let ema {
            let path = url.appendingPathComponent(emaFile).path
            do {
                try ema.load(stateDict: try SafeTensorsFile(path: path).floatTensors())
            } catch let error as StateDictError {
                throw SafeTensorsError(path: path, "\(error)")
            }
        }
        return state
    }

    static func readState(_ url: URL) throws -> State {
        let path = url.appendingPathComponent(stateFile)
        do {
            return try JSONDecoder().decode(State.self, from: Data(contentsOf: path))
        } catch {
            throw TrainingError.unreadableCheckpoint(path.path, "\(error)")
        }
    }

    /// Flushes the files to disk before the rename publishes them, so a power loss cannot publish empty files.
    private static func syncFiles(in folder: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let handle = try FileHandle(forUpdating: folder.appendingPathComponent(name))
            try handle.synchronize()
            try handle.close()
        }
    }
}

/// Why training could not start or go on.
public enum TrainingError: Error, CustomStringConvertible {
    case invalidPlan([String])
    case unreadableCheckpoint(String, String)
    case nonFiniteLoss(step: Int, loss: Float)

    public var description: String {
        switch self {
        case .invalidPlan(let problems): "invalid training options: " + problems.joined(separator: "; ")
        case .unreadableCheckpoint(let path, let why): "\(path): cannot read the checkpoint: \(why)"
        case .nonFiniteLoss(let step, let loss):
            "the loss became \(loss) at step \(step): lower learning_rate, or set max_grad_norm"
        }
    }
}
