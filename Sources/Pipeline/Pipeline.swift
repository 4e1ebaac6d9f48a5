// Declarative pipelines: spec, schema, DAG, cache, executor.
