/// Whether ops record the tape. Task-local, so one task's `noGrad { }` never changes what another records.
public enum GradMode {
    /// True while ops record backward work for inputs that require gradients.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording: inference pays no tape cost, and no result requires a gradient.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with recording on again (inside `noGrad`, e.g. to recompute a checkpointed block).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true, operation: body)
}
