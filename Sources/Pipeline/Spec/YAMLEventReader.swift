import CYAML

/// One libyaml parser event, copied out of C memory, with the 1-based line and column where it starts.
struct YAMLEvent {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        /// `plain` is true for an unquoted, untagged-in-effect scalar: only those are typed by the core schema.
        case scalar(String, anchor: String?, tag: String?, plain: Bool)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind
    var location: SourceLocation
}

/// A pull parser over libyaml's event API. libyaml's marks are 0-based; ours are 1-based, as editors count.
///
/// The parser and the input bytes live in memory this class owns, since libyaml keeps pointers into both until
/// the parser is deleted.
final class YAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    let file: String

    init(text: String, file: String) {
        self.file = file
        let bytes = Array(text.utf8)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or a `PipelineError` carrying libyaml's own words for a syntax problem.
    func next() throws -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let location = SourceLocation(file: file, line: Int(event.start_mark.line) + 1,
                                      column: Int(event.start_mark.column) + 1)
        let kind: YAMLEvent.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT: kind = .alias(anchor: Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let tag = Self.string(s.tag)
            kind = .scalar(value, anchor: Self.string(s.anchor), tag: tag,
                           plain: s.style == YAML_PLAIN_SCALAR_STYLE && tag == nil)
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor),
                                  tag: Self.string(event.data.sequence_start.tag))
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart(anchor: Self.string(event.data.mapping_start.anchor),
                                 tag: Self.string(event.data.mapping_start.tag))
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        default: kind = .streamEnd  // YAML_NO_EVENT: libyaml only sends it after the stream has ended
        }
        return YAMLEvent(kind: kind, location: location)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private func syntaxError() -> PipelineError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "unknown problem"
        switch p.error {
        case YAML_READER_ERROR:
            // The reader reports a byte offset, not a mark.
            return .invalid(at: location(ofByte: Int(p.problem_offset)), "cannot read YAML: \(problem)",
                            hint: problem.contains("control") ? "remove the control character, or quote it as an escape" : nil)
        case YAML_MEMORY_ERROR:
            return .invalid(at: SourceLocation(file: file), "YAML: out of memory while parsing")
        default:
            let at = SourceLocation(file: file, line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
            return .invalid(at: at, "YAML syntax: \(problem)", hint: Self.syntaxHint(problem))
        }
    }

    /// Line and column of a byte offset, columns counted in Unicode scalars.
    private func location(ofByte offset: Int) -> SourceLocation {
        var line = 1, column = 1
        for byte in input.prefix(min(offset, input.count)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    static func syntaxHint(_ problem: String) -> String? {
        if problem.contains("tab") { return "YAML indents with spaces, not tabs" }
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted, or a key is indented wrongly"
        }
        if problem.contains("did not find expected key") { return "check the indentation of this line and the one above" }
        return nil
    }
}
