import Foundation
import SafeTensors
import Testing
import Tensor
import TestSupport
@testable import Diffusion

/// Modules load and save through safetensors strictly, by checkpoint names.
@Suite struct SafeTensorsModuleTests {
    final class Block: Module {
        var proj: Linear
        var norm: LayerNorm
        init(generator: inout RandomGenerator) {
            proj = Linear(4, 3, generator: &generator)
            norm = LayerNorm(3)
        }
        func visitParameters(_ visitor: inout ParameterVisitor) {
            visitor.child("proj", proj)
            visitor.child("norm", norm)
        }
    }

    @Test func roundTripByName() throws {
        let folder = try TemporaryFolder()
        var generator = RandomGenerator(seed: 1)
        let source = Block(generator: &generator)
        let path = folder.url.appendingPathComponent("m.safetensors").path
        try source.save(safetensors: path)
        var other = RandomGenerator(seed: 2)
        let target = Block(generator: &other)
        #expect(target.proj.weight.scalars != source.proj.weight.scalars)
        try target.load(safetensors: path)
        #expect(target.proj.weight.scalars == source.proj.weight.scalars)
        #expect(try SafeTensorsFile(path: path).names.sorted() == ["norm.bias", "norm.weight", "proj.bias", "proj.weight"])
    }

    @Test func missingAndMisshapenTensorsAreNamed() throws {
        let folder = try TemporaryFolder()
        var generator = RandomGenerator(seed: 1)
        let model = Block(generator: &generator)
        var writer = SafeTensorsWriter()
        try writer.add("proj.weight", Tensor.zeros([3, 5]))
        try writer.add("proj.bias", Tensor.zeros([3]))
        try writer.add("norm.weight", Tensor.zeros([3]))
        let path = folder.url.appendingPathComponent("bad.safetensors").path
        try writer.write(to: path)
        #expect {
            try model.load(safetensors: path)
        } throws: { error in
            "\(error)".contains("proj.weight") && "\(error)".contains("bad.safetensors")
        }
    }
}
