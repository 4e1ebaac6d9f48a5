import Testing
import Tensor

@Suite(.serialized) struct BLASTests {
    @Test func threadCountIsSettable() {
        let before = BLAS.threadCount
        defer { BLAS.setThreadCount(before) }
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
    }
}
