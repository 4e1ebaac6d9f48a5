import Testing

@testable import ToyWorld

@Suite struct SamplerTests {
    @Test func reservedIDsAreNeverDrawn() {
        let sampler = WorldSampler(seed: 123)
        var classes = Set<WorldClass>(), contexts = Set<WorldContext>()
        var lowest = Int.max
        for i in 0..<100_000 {
            let example = sampler.example(at: i)
            #expect(!example.subject.isReserved)
            #expect(SubjectID.pretrainingIDs.contains(example.subject.id))
            lowest = min(lowest, example.subject.id)
            classes.insert(example.worldClass)
            contexts.insert(example.context)
        }
        #expect(lowest >= SubjectID.pretrainingIDs.lowerBound)
        #expect(classes.count == WorldClass.allCases.count && contexts.count == WorldContext.allCases.count)
        #expect(SubjectID.reservedIDs.upperBound <= SubjectID.pretrainingIDs.lowerBound)
    }

    @Test func examplesArePureFunctionsOfSeedAndIndex() {
        let a = WorldSampler(seed: 7), b = WorldSampler(seed: 7), c = WorldSampler(seed: 8)
        for i in [0, 1, 999, 123_456] {
            #expect(a.example(at: i).scene == b.example(at: i).scene)
            #expect(a.example(at: i).caption == b.example(at: i).caption)
        }
        let resumed = a.examples(50..<60).map(\.scene)
        #expect(resumed == (50..<60).map { a.example(at: $0).scene })
        #expect((0..<20).contains { a.example(at: $0).scene != c.example(at: $0).scene })
    }

    @Test func subjectsAreStableAndVaried() {
        #expect(Subject(SubjectID(.dog, 17)) == Subject(SubjectID(.dog, 17)))
        #expect(Subject(SubjectID(.dog, 17)) != Subject(SubjectID(.dog, 18)))
        #expect(SubjectID(.dog, 17).seed != SubjectID(.cat, 17).seed)
        for cls in WorldClass.allCases {
            let subjects = (0..<200).map { Subject(SubjectID(cls, $0)) }
            #expect(Set(subjects.map(\.mainColor)).count >= 5, "\(cls) colours")
            #expect(Set(subjects.map(\.detailShape)).count == DetailShape.allCases.count, "\(cls) details")
            #expect(Set(subjects.map(\.pattern)).count >= 3, "\(cls) patterns")
            #expect(subjects.allSatisfy { cls.palette.contains($0.mainColor) && $0.secondColor != $0.mainColor })
        }
    }

    @Test func subjectPhotosVaryContextAndPoseButNotIdentity() {
        let id = SubjectID(.dog, 17)
        let photos = ToyWorld.subjectPhotos(id, count: 8, seed: 0)
        #expect(Set(photos.map(\.context)).count == 8)
        #expect(Set(photos.map(\.facing)).count == 2)
        #expect(photos.allSatisfy { $0.subject == Subject(id) })
        #expect(ToyWorld.subjectPhotos(id, count: 8, seed: 0) == photos)
    }
}
