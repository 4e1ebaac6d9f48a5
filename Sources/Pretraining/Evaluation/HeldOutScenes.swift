import ToyWorld

/// Scenes no pretraining stage ever draws: subjects from the reserved ids (above those kept for examples), in
/// contexts and poses drawn from the evaluation's own seed. Every gate is measured on these.
public enum HeldOutScenes {
    /// Reserved ids 0..<100 are for examples (the DreamBooth subjects); evaluation draws from the rest.
    public static let evaluationIDs = 100..<SubjectID.reservedIDs.upperBound

    /// `count` scenes cycling through the classes, each of its own held-out subject, context and pose.
    public static func scenes(count: Int, seed: UInt64, contexts: [WorldContext] = WorldContext.allCases) -> [Scene] {
        (0..<count).map { k in
            let worldClass = WorldClass.allCases[k % WorldClass.allCases.count]
            return Scene(subject(worldClass, k, seed: seed), in: context(k, seed: seed, contexts), variation: mix(seed, 2 * k + 1))
        }
    }

    /// Held-out subject number `k` of a class.
    public static func subject(_ worldClass: WorldClass, _ k: Int, seed: UInt64) -> SubjectID {
        let ids = evaluationIDs
        return SubjectID(worldClass, ids.lowerBound + Int(mix(seed ^ 0x1D, k) % UInt64(ids.count)))
    }

    /// Distinct held-out subjects, `perClass` of each class.
    public static func distinctSubjects(perClass: Int, seed: UInt64) -> [SubjectID] {
        var found: [SubjectID] = []
        for worldClass in WorldClass.allCases {
            var seen = Set<Int>()
            var k = 0
            while seen.count < perClass {
                let id = subject(worldClass, k, seed: seed)
                if seen.insert(id.id).inserted { found.append(id) }
                k += 1
            }
        }
        return found
    }

    static func context(_ k: Int, seed: UInt64, _ contexts: [WorldContext]) -> WorldContext {
        contexts[Int(mix(seed ^ 0xC7, k) % UInt64(contexts.count))]
    }

    static func mix(_ seed: UInt64, _ k: Int) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: k) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
