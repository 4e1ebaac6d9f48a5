import ArgumentParser
import Diffusion
import Foundation

/// `dbrun tokenize --model DIR PROMPT`: the ids the text encoder would get for PROMPT (DESIGN.md contract), to
/// check a prompt or an identifier token against a model's tokenizer without Python.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print a prompt's CLIP token ids, padded to the tokenizer's max length, as JSON.",
        discussion: """
            Prints {"input_ids": [...]}: <|startoftext|>, the prompt's ids (cut to fit), <|endoftext|>, then the \
            pad id, exactly as transformers' CLIPTokenizer gives them to a diffusers pipeline.
            """
    )

    @Option(name: .long, help: "A diffusers model folder (tokenizer in DIR/tokenizer/) or a tokenizer folder.")
    var model: String

    @Argument(help: "The prompt.")
    var prompt: String

    func run() throws {
        let tokenizer: CLIPTokenizer
        do {
            tokenizer = try CLIPTokenizer(modelFolder: model)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let ids = tokenizer.encode(prompt)
        print("{\"input_ids\": [" + ids.map(String.init).joined(separator: ", ") + "]}")
    }
}
