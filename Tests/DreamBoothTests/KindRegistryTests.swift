import DreamBooth
import Pipeline
import Testing

/// The CLI's kinds and the schema's must agree both ways: a registered kind the schema does not list is refused by
/// `validate` before it can run, and a listed kind nobody registered passes validation only to fail at run time.
struct KindRegistryTests {
    @Test func everyRegisteredKindIsInTheSchemaWithItsStageSchema() {
        for name in DreamBoothKinds.registry.names {
            #expect(PipelineSchema.kindNames.contains(name), "kind '\(name)' is registered but missing from the schema's kind enum")
            let stage = PipelineSchema.stageSchema(forKind: name)
            #expect(stage != nil, "kind '\(name)' has no stage schema (an allOf branch `if kind: \(name)` with a `then`)")
            #expect(stage?["properties"]?["kind"]?["const"]?.string == name,
                    "the stage schema of '\(name)' does not pin `kind` to '\(name)'")
            #expect(stage?["additionalProperties"]?.bool == false,
                    "the stage schema of '\(name)' lets unknown parameters through")
        }
    }

    @Test func everySchemaKindIsRegistered() {
        let registered = Set(DreamBoothKinds.registry.names)
        for name in PipelineSchema.kindNames {
            #expect(registered.contains(name), "the schema lists kind '\(name)' but the CLI registers no such kind")
        }
        #expect(Set(PipelineSchema.kindNames).count == PipelineSchema.kindNames.count, "the schema's kind enum repeats a name")
    }
}
