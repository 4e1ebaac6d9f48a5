import Foundation

/// The tensors of one component, from a single safetensors file or from shards listed by a
/// `*.safetensors.index.json` (`{"weight_map": {name: shard file}}`), read through one interface.
public final class SafeTensorsArchive: Sendable {
    /// The file opened: the `.safetensors` file or the index.
    public let path: String
    public let files: [SafeTensorsFile]
    private let fileIndexByName: [String: Int]

    /// Opens `path`: a `.safetensors` file, or an index whose shards sit beside it. Every shard is validated, and
    /// the index must list exactly the tensors the shards hold.
    public init(path: String) throws(SafeTensorsError) {
        self.path = path
        guard path.hasSuffix(".json") else {
            let file = try SafeTensorsFile(path: path)
            files = [file]
            fileIndexByName = Dictionary(uniqueKeysWithValues: file.names.map { ($0, 0) })
            return
        }
        let weightMap = try Self.readWeightMap(path)
        let folder = (path as NSString).deletingLastPathComponent
        let shardNames = Array(Set(weightMap.values)).sorted()
        var files: [SafeTensorsFile] = []
        var index: [String: Int] = [:]
        for (i, shard) in shardNames.enumerated() {
            guard !shard.contains("/"), shard != "..", shard != "." else {
                throw SafeTensorsError(path: path, "shard \"\(shard)\" is not a file name beside the index")
            }
            let file = try SafeTensorsFile(path: (folder as NSString).appendingPathComponent(shard))
            for name in file.names {
                guard weightMap[name] == shard else {
                    let listed = weightMap[name].map { "the index puts it in \($0)" } ?? "the index does not list it"
                    throw SafeTensorsError(path: file.path, tensor: name, "found in this shard but \(listed)")
                }
                index[name] = i
            }
            files.append(file)
        }
        for (name, shard) in weightMap where index[name] == nil {
            throw SafeTensorsError(path: path, tensor: name, "listed in the index but missing from \(shard)")
        }
        self.files = files
        fileIndexByName = index
    }

    private static func readWeightMap(_ path: String) throws(SafeTensorsError) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SafeTensorsError(path: path, "cannot read: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any]
        else { throw SafeTensorsError(path: path, "not a safetensors index: no \"weight_map\" object") }
        var result: [String: String] = [:]
        for (name, value) in map {
            guard let shard = value as? String else {
                throw SafeTensorsError(path: path, tensor: name, "weight_map entry is not a file name")
            }
            result[name] = shard
        }
        return result
    }

    /// Every tensor name, sorted.
    public var names: [String] { fileIndexByName.keys.sorted() }

    public func contains(_ name: String) -> Bool { fileIndexByName[name] != nil }

    /// The file holding `name`; an error naming the archive and the tensor when absent.
    public func file(holding name: String) throws(SafeTensorsError) -> SafeTensorsFile {
        guard let index = fileIndexByName[name] else {
            throw SafeTensorsError(path: path, tensor: name, "no such tensor")
        }
        return files[index]
    }

    public func info(_ name: String) throws(SafeTensorsError) -> SafeTensorInfo { try file(holding: name).info(name) }

    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] { try file(holding: name).floats(name) }

    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(SafeTensorsError) {
        try file(holding: name).copyFloats(name, into: destination)
    }
}
