import Foundation
import SafeTensors

/// What dbrun does with a key of a `config.json` that is not one of its struct's fields.
///
/// The policy, so dbrun builds exactly the model diffusers/transformers would build, or refuses:
/// - keys starting with `_` (`_class_name`, `_diffusers_version`, `_name_or_path`) are bookkeeping: skipped;
/// - a key the library knows but dbrun does not implement is accepted only with the value that leaves its feature
///   off (`.neutral`), otherwise it is an error naming the field and the value;
/// - a key that cannot change the computation (dtype hints, initialisation ranges, generation settings) is skipped
///   (`.irrelevant`);
/// - any other key is unknown to the library too, which ignores it with a warning; dbrun does the same and lists it
///   in `LoadedConfig.ignoredKeys` so the caller can print that warning.
public enum ConfigKeyRule: Sendable {
    case neutral([NeutralValue])
    case irrelevant

    /// A JSON value that leaves a feature off.
    public enum NeutralValue: Sendable, CustomStringConvertible {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)

        func matches(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.null, .null): return true
            case (.bool(let b), .bool(let v)): return b == v
            case (.number(let n), _): return value.numberValue == n
            case (.string(let s), .string(let v)): return s == v
            default: return false
            }
        }

        public var description: String {
            switch self {
            case .null: "null"
            case .bool(let b): "\(b)"
            case .number(let n): n == n.rounded() && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"
            case .string(let s): "\"\(s)\""
            }
        }
    }
}

/// A config struct read from a diffusers/transformers `config.json`.
public protocol ModelConfig: Codable, Sendable {
    /// The struct's own keys (its coding keys).
    static var fieldKeys: Set<String> { get }
    /// Known keys that are not fields, and how each is treated.
    static var otherKeys: [String: ConfigKeyRule] { get }
    /// Rejects values dbrun does not support, naming the field and the value.
    func validate() throws(ConfigError)
    /// Keys holding a nested config whose own keys follow that config's rules (`text_config` of a CLIPModel).
    static var nestedConfigs: [String: any ModelConfig.Type] { get }
}

extension ModelConfig {
    public static var nestedConfigs: [String: any ModelConfig.Type] { [:] }
}

/// A decoded config with the keys that were ignored because neither dbrun nor the library knows them.
public struct LoadedConfig<Config: ModelConfig>: Sendable {
    public let config: Config
    public let ignoredKeys: [String]
}

extension ModelConfig {
    /// Reads, checks and validates the config at `path`.
    public static func load(path: String) throws(ConfigError) -> LoadedConfig<Self> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(path: path, "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    /// Checks and validates config JSON; `path` names it in errors.
    public static func decode(_ data: Data, path: String = "config.json") throws(ConfigError) -> LoadedConfig<Self> {
        do throws(ConfigError) {
            // JSON5 because Python's json writes -Infinity/NaN (DPMSolver's lambda_min_clipped is -inf).
            let root: JSONValue
            do {
                root = try data.withUnsafeBytes { raw throws(JSONSyntaxError) in
                    try StrictJSONParser.parse(raw.bindMemory(to: UInt8.self), allowsNonFinite: true)
                }
            } catch {
                throw ConfigError("not valid JSON: \(error)")
            }
            guard case .object(let members) = root else { throw ConfigError("not a JSON object") }
            let ignored = try checkKeys(members)
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true
            let config: Self
            do {
                config = try decoder.decode(Self.self, from: data)
            } catch let error as DecodingError {
                throw Self.describe(error)
            } catch let error as ConfigError {
                throw error
            } catch {
                throw ConfigError("cannot decode: \(error)")
            }
            try config.validate()
            return LoadedConfig(config: config, ignoredKeys: ignored)
        } catch {
            var located = error
            located.path = path
            throw located
        }
    }

    /// Applies the key policy of `ConfigKeyRule`, nested configs included (their fields prefixed with the key,
    /// `text_config.dropout`); returns the keys ignored as unknown, sorted.
    static func checkKeys(_ members: [JSONMember]) throws(ConfigError) -> [String] {
        var ignored = try checkOwnKeys(members)
        for member in members {
            guard let nested = nestedConfigs[member.key], case .object(let inner) = member.value else { continue }
            let prefix = member.key + "."
            do throws(ConfigError) {
                ignored += try nested.checkKeys(inner).map { prefix + $0 }
            } catch {
                throw ConfigError(field: prefix + (error.field ?? ""), prefix + error.message)
            }
        }
        return ignored.sorted()
    }

    static func checkOwnKeys(_ members: [JSONMember]) throws(ConfigError) -> [String] {
        var ignored: [String] = []
        for member in members {
            let (key, value) = (member.key, member.value)
            if key.hasPrefix("_") || fieldKeys.contains(key) { continue }
            switch otherKeys[key] {
            case .neutral(let accepted)?:
                guard accepted.contains(where: { $0.matches(value) }) else {
                    throw ConfigError.unsupported(key, value.jsonText, supported: accepted.map(\.description))
                }
            case .irrelevant?:
                continue
            case nil:
                ignored.append(key)
            }
        }
        return ignored.sorted()
    }

    private static func describe(_ error: DecodingError) -> ConfigError {
        func field(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name = field(context.codingPath)
            return ConfigError(field: name, "\(name): expected \(typeName(type)) (\(context.debugDescription))")
        case .keyNotFound(let key, let context):
            let name = field(context.codingPath + [key])
            return ConfigError(field: name, "\(name) is required")
        case .dataCorrupted(let context):
            let name = field(context.codingPath)
            return ConfigError(field: name.isEmpty ? nil : name, "\(name.isEmpty ? "" : name + ": ")\(context.debugDescription)")
        @unknown default:
            return ConfigError("cannot decode: \(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }
}

/// Decoding helpers: a missing key takes diffusers' default, but an explicit `null` is a type error (a null in
/// diffusers usually means "feature off", which must not silently become the default).
extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        contains(key) ? try decode(T.self, forKey: key) : fallback
    }
}
