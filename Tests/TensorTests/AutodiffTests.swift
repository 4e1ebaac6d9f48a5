import Testing
import Tensor
import TestSupport

@Suite struct AutodiffTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * x).sum().backward()
        #expect(x.grad!.scalars == [2, 4, 6])
        (x * 3).sum().backward()
        #expect(x.grad!.scalars == [5, 7, 9])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func sharedSubexpressionsSumTheirGradients() {
        // y = x·x + x: the node x feeds twice; dy/dx = 2x + 1.
        let x = Tensor([2, -1]).requiringGrad()
        let y = x * x + x
        y.sum().backward()
        #expect(x.grad!.scalars == [5, -1])
    }

    @Test func noGradRecordsNothing() {
        let w = Tensor([1, 2]).requiringGrad()
        let y = noGrad { (w * w).sum() }
        #expect(!y.requiresGrad)
        #expect(y.item == 5)
        // Recording resumes afterwards.
        #expect((w * w).sum().requiresGrad)
    }

    @Test func frozenWeightsGetNoGradient() {
        let frozen = Tensor([[1, 2], [3, 4]].flatMap { $0 }).reshaped([2, 2])
        let trained = Tensor([0.5, -0.5]).requiringGrad()
        let y = Tensor.matmul(frozen, trained.reshaped([2, 1])).sum()
        y.backward()
        #expect(!frozen.requiresGrad && frozen.grad == nil)
        #expect(trained.grad!.scalars == [4, 6])
    }

    @Test func detachedTensorsStopGradients() {
        let x = Tensor([3]).requiringGrad()
        let y = x * x.detached()
        y.sum().backward()
        #expect(x.grad!.scalars == [3])
    }

    @Test func checkpointGivesTheSameGradientsAsTheFullTape() {
        var gen = RandomGenerator(seed: 5)
        let x0 = Tensor.randn([3, 4], generator: &gen)
        let w0 = Tensor.randn([5, 4], generator: &gen)
        func block(_ x: Tensor, _ w: Tensor) -> Tensor { Tensor.linear(x, weight: w).silu().pow(2) }
        let (x1, w1) = (x0.copied().requiringGrad(), w0.copied().requiringGrad())
        block(x1, w1).sum().backward()
        let (x2, w2) = (x0.copied().requiringGrad(), w0.copied().requiringGrad())
        checkpoint([x2]) { block($0[0], w2) }.sum().backward()
        #expect(x1.grad!.scalars == x2.grad!.scalars)
        #expect(w1.grad!.scalars == w2.grad!.scalars)
    }

    @Test func checkpointReachesParametersWhenInputsAreConstant() {
        let w = Tensor([2]).requiringGrad()
        let out = checkpoint([Tensor([3])]) { $0[0] * w }
        out.sum().backward()
        #expect(w.grad!.scalars == [3])
    }

    @Test func backwardWithAnExplicitGradient() {
        let x = Tensor([1, 2]).requiringGrad()
        (x * 2).backward(gradient: Tensor([1, 10]))
        #expect(x.grad!.scalars == [2, 20])
    }
}

@Suite struct ReleasedTapeTests {
    @Test func aSecondBackwardThroughAReleasedTapeStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor([1, 2]).requiringGrad()
            let loss = (x * x).sum()
            loss.backward()
            loss.backward()
        }
    }
}
