import Foundation

/// What a finished stage leaves in the store, written last and by atomic rename: a stage without a record is not
/// cached, whatever files exist.
public struct StageRecord: Codable, Sendable {
    /// Bumped when a field changes meaning or a reader must understand a new one. Optional fields that older
    /// readers may ignore (`run.kernel`, `figures`) do not bump it: records written before them decode with nil,
    /// and an older dbrun reads newer records without them.
    public static let currentFormat = 1

    public var format: Int
    /// SHA-256 of `parts.canonicalJSON`.
    public var key: String
    /// What the key was made of (kind, kind version, parameters, input and upstream hashes), kept so that
    /// `dbrun why` can say which part changed.
    public var parts: PlainValue
    public var pipeline: String
    public var stage: String
    public var outputs: [String: OutputRecord]
    public var run: RunInfo
    /// What the kind reported about its run (`StageJob.report(figure:_:)`: final loss, steps, images/s…), shown by
    /// `dbrun status`. Not part of the key; nil when it reported none, and in records made before figures existed.
    public var figures: [String: PlainValue]?

    public struct OutputRecord: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case value, file, folder }
        public var kind: Kind
        /// Where the output lives in the workspace, relative to the pipeline's folder (files and folders).
        public var path: String?
        public var hash: ContentHash?
        public var value: PlainValue?

        /// The value a `${stage.output}` reference stands for: a value as it is, a file or folder as its path.
        public var referenceValue: PlainValue { value ?? .string(path ?? "") }
        /// What downstream keys hold for this output: its content, never its location.
        public var fingerprint: PlainValue { hash.map { .string($0.value) } ?? value ?? .null }
    }

    /// Facts about the run that made the outputs, which are deliberately not in the key.
    public struct RunInfo: Codable, Sendable {
        public var finishedAt: String
        public var seconds: Double
        /// OpenBLAS changes the last bits of results with its thread count, so it is recorded, not keyed.
        public var threads: Int
        /// The numeric kernels (OpenBLAS's core type), recorded for the same reason; nil in records made before
        /// dbrun recorded them, and for runs that name none.
        public var kernel: String?
        public var dbrunVersion: String
    }
}
