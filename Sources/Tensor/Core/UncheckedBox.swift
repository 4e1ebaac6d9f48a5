/// Carries a value into a parallel loop whose parts touch disjoint memory (the reason it is safe).
@usableFromInline struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
