import Testing

@testable import ToyWorld

@Suite struct CaptionTests {
    @Test func grammarHoldsForEveryTemplate() {
        let vowels = Set("aeiou")
        for index in 0..<600 {
            let scene = WorldSampler(seed: 4).example(at: index).scene
            for (t, template) in Captions.templates.enumerated() {
                let caption = Captions.caption(for: scene, template: t)
                #expect(caption == caption.lowercased())
                #expect(!caption.contains("  ") && !caption.hasPrefix(" ") && !caption.hasSuffix(" "))
                let words = caption.split(separator: " ").map(String.init)
                #expect(words.contains(scene.worldClass.noun), "\(caption)")
                #expect(caption.contains(scene.context.phrase) == template.context, "\(caption)")
                if template.color { #expect(words.contains(scene.subject.mainColor.word), "\(caption)") }
                for (i, word) in words.enumerated() where word == "a" || word == "an" {
                    let next = words[i + 1]
                    #expect((word == "an") == vowels.contains(next.first!), "\(caption)")
                }
            }
        }
    }

    @Test func examplesInTheDocsComeOut() {
        var scene = Scene(SubjectID(.teapot, 1), in: .kitchen, variation: 0)
        scene.subject.mainColor = .orange
        scene.subject.pattern = .plain
        let all = Set(Captions.templates.indices.map { Captions.caption(for: scene, template: $0) })
        #expect(all.contains("a teapot"))
        #expect(all.contains("a photo of a teapot"))
        #expect(all.contains("a photo of an orange teapot in a kitchen"))
        #expect(all.contains("an orange teapot in a kitchen"))
        #expect(Captions.caption(for: scene, seed: 5) == Captions.caption(for: scene, seed: 5))
    }

    @Test func samplerCaptionsUseManyTemplates() {
        let captions = WorldSampler(seed: 0).examples(0..<500).map(\.caption)
        #expect(captions.contains { !$0.contains(" on ") && !$0.contains(" in ") && !$0.contains(" at ") })
        #expect(Set(captions.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }).count >= 5)
    }
}
