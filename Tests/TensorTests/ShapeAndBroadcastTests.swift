import Testing
import Tensor
import TestSupport

/// Hand-computed cases: broadcasting edge cases, views, zero-size dimensions, 5-D shapes.
@Suite struct ShapeAndBroadcastTests {
    @Test func broadcastingAlignsFromTheRight() {
        let col = Tensor(shape: [3, 1], scalars: [1, 2, 3]), row = Tensor(shape: [1, 4], scalars: [10, 20, 30, 40])
        let s = col + row
        #expect(s.shape == [3, 4])
        #expect(s.scalars == [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43])
        let scalar = Tensor(scalar: 2)
        #expect((scalar * Tensor([1, 2, 3])).scalars == [2, 4, 6])
        #expect((Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6]) - Tensor([1, 1, 1])).shape == [2, 1, 3])
        // A middle broadcast dimension: [2,1,2] · [3,1] → [2,3,2].
        let m = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4]) * Tensor(shape: [3, 1], scalars: [1, 10, 100])
        #expect(m.scalars == [1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400])
    }

    @Test func broadcastGradientsSumBackToTheInputShape() {
        let a = Tensor(shape: [3, 1], scalars: [1, 2, 3]).requiringGrad()
        let b = Tensor(shape: [4], scalars: [1, 1, 1, 1]).requiringGrad()
        (a * b).sum().backward()
        #expect(a.grad!.shape == [3, 1] && a.grad!.scalars == [4, 4, 4])
        #expect(b.grad!.shape == [4] && b.grad!.scalars == [6, 6, 6, 6])
    }

    @Test func zeroSizeDimensionsFlowThrough() {
        let empty = Tensor.zeros([0, 3])
        #expect((empty + Tensor.ones([1, 3])).shape == [0, 3])
        #expect(empty.sum(axis: 0).scalars == [0, 0, 0])
        #expect(empty.sum().item == 0)
        let k0 = Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]))
        #expect(k0.shape == [2, 3] && k0.scalars == [0, 0, 0, 0, 0, 0])
        #expect(Tensor.concat([empty, Tensor.ones([2, 3])], axis: 0).shape == [2, 3])
        let x = Tensor.zeros([0, 4]).requiringGrad()
        (x * 2).sum().backward()
        #expect(x.grad!.shape == [0, 4])
    }

    @Test func reshapeAndLeadingSlicesAreViews() {
        let t = Tensor.arange(6).reshaped([2, 3])
        let flat = t.reshaped([-1])
        let second = t.slice(axis: 0, 1..<2)
        t.copy(from: Tensor(shape: [2, 3], scalars: [9, 8, 7, 6, 5, 4]))
        #expect(flat.scalars == [9, 8, 7, 6, 5, 4])
        #expect(second.scalars == [6, 5, 4])
    }

    @Test func slicesSplitsAndChunksCarryValuesAndGradients() {
        let x = Tensor.arange(12).reshaped([3, 4]).requiringGrad()
        let cols = x.slice(axis: 1, 1..<3)
        #expect(cols.scalars == [1, 2, 5, 6, 9, 10])
        let parts = x.chunk(3, axis: 0)
        #expect(parts.map(\.shape) == [[1, 4], [1, 4], [1, 4]])
        let pieces = x.split([1, 3], axis: 1)
        #expect(pieces[1].scalars == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        (cols.sum() + parts[2].sum() * 10).backward()
        #expect(x.grad!.scalars == [0, 1, 1, 0, 0, 1, 1, 0, 10, 11, 11, 10])
        #expect(Tensor.arange(5).chunk(2, axis: 0).map(\.count) == [3, 2])
    }

    @Test func permuteAndTransposeReorder() {
        let x = Tensor.arange(6).reshaped([1, 2, 3])
        #expect(x.transposed().scalars == [0, 3, 1, 4, 2, 5])
        #expect(x.permuted([2, 0, 1]).shape == [3, 1, 2])
    }

    @Test func fiveDimensionalTensorsWork() {
        var gen = RandomGenerator(seed: 8)
        let a = Tensor.randn([2, 1, 3, 1, 2], generator: &gen), b = Tensor.randn([1, 2, 1, 2, 1], generator: &gen)
        let r = gradientCheck([a, b]) { ($0[0] * $0[1]).sum(axes: [1, 3]) }
        #expect(r.passed, "\(r)")
        #expect((a * b).shape == [2, 2, 3, 2, 2])
    }

    @Test func handComputedOps() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(Tensor.matmul(a, b).scalars == [19, 22, 43, 50])
        #expect(Tensor.matmul(a, b, transposeA: true).scalars == [26, 30, 38, 44])
        #expect(Tensor.matmul(a, b, transposeB: true).scalars == [17, 23, 39, 53])
        let sm = Tensor([0, 0]).softmax().scalars
        #expect(abs(sm[0] - 0.5) < 1e-6)
        #expect(abs(Tensor([1, 2, 3, 4]).variance(axes: [0]).item - Float(5) / 3) < 1e-6)
        #expect(Tensor([-1, 0, 2]).relu().scalars == [0, 0, 2])
        #expect(Tensor([3, -4]).abs().scalars == [3, 4])
        #expect(closeness(Tensor([0, Float.pi / 2]).sin().scalars, [0, 1], atol: 1e-6) <= 1)
        #expect(closeness(Tensor([0, Float.pi]).cos().scalars, [1, -1], atol: 1e-6) <= 1)
        let up = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]).upsampleNearest2x()
        #expect(up.scalars == [1, 1, 2, 2, 1, 1, 2, 2])
        let conv = Tensor.conv2d(Tensor.ones([1, 1, 3, 3]), weight: Tensor.ones([1, 1, 3, 3]), padding: 1)
        #expect(conv.scalars == [4, 6, 4, 6, 9, 6, 4, 6, 4])
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor.ones([1000]).requiringGrad()
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5)
        let a = x.dropout(0.25, generator: &g1), b = x.dropout(0.25, generator: &g2)
        #expect(a.scalars == b.scalars)
        let kept = a.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 4.0 / 3.0) < 1e-6 })
        #expect(abs(Double(kept.count) / 1000 - 0.75) < 0.05)
        a.sum().backward()
        #expect(x.grad!.scalars == a.scalars)
    }
}

@Suite struct StackAndArgmaxTests {
    @Test func stackAddsAnAxisAndSplitsGradients() {
        let a = Tensor([1, 2]).requiringGrad(), b = Tensor([3, 4]).requiringGrad()
        let s0 = Tensor.stack([a, b]), s1 = Tensor.stack([a, b], axis: -1)
        #expect(s0.shape == [2, 2] && s0.scalars == [1, 2, 3, 4])
        #expect(s1.shape == [2, 2] && s1.scalars == [1, 3, 2, 4])
        (s1 * Tensor(shape: [2, 2], scalars: [1, 10, 100, 1000])).sum().backward()
        #expect(a.grad!.scalars == [1, 100] && b.grad!.scalars == [10, 1000])
    }

    @Test func argmaxPicksTheFirstLargest() {
        #expect(Tensor(shape: [2, 3], scalars: [1, 5, 5, -1, -3, -2]).argmax() == [1, 0])
    }
}
