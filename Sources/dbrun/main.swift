// Entry point: parse, run, and map every error to DESIGN.md's exit codes in one place (CLIErrors.swift).
DBRun.main()
