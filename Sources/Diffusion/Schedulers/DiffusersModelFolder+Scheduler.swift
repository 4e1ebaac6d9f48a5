extension DiffusersModelFolder {
    /// The scheduler a model folder ships (`scheduler/`, or `low_res_scheduler/` for the x4 upscaler), optionally as
    /// another class on the same betas, as diffusers' `OtherScheduler.from_config(pipe.scheduler.config)` does (an
    /// SD 1.x folder's PNDM config sampled with DPM-Solver++, say).
    public func scheduler(_ component: Component = .scheduler, as kind: SchedulerConfig.Kind? = nil)
        throws(ConfigError) -> any Scheduler
    {
        var config = try schedulerConfig(component).config
        if let kind { config.kind = kind }
        do {
            return try config.makeScheduler()
        } catch {
            var located = error
            located.path = try configPath(of: component)
            throw located
        }
    }
}
