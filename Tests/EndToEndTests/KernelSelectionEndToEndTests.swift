import Foundation
import Testing
import Tensor
import TestSupport

/// dbrun's choice of OpenBLAS kernels, seen from outside: `OPENBLAS_CORETYPE=Prescott` stands for OpenBLAS
/// misdetecting the CPU, and `DBRUN_BLAS_CORE=best` asks dbrun to apply its rule even over that variable.
@Suite struct KernelSelectionEndToEndTests {
    struct Doctor: Decodable {
        struct Selection: Decodable {
            let core: String, openBLASChoice: String, reason: String
            let selfTest: SelfTest?
        }
        struct SelfTest: Decodable { let passed: Bool }
        let blas: Selection
        let openBLAS: String
        let selfTest: SelfTest
    }

    func doctor(_ environment: [String: String]) throws -> Doctor {
        let folder = try TemporaryFolder("dbrun-doctor")
        let result = try DBRunProcess.run(["doctor", "--json"], in: folder.url, environment: environment)
        #expect(result.status == 0, "\(result.output)")
        return try JSONDecoder().decode(Doctor.self, from: Data(result.stdout.utf8))
    }

    /// The core dbrun should end on when OpenBLAS has loaded its generic Prescott kernels on this CPU.
    static var expectedFromPrescott: String { BLASCore.preferred(for: CPUInfo.current.vectorISA) ?? "Prescott" }

    @Test func aMisdetectedCoreIsReplacedByTheOneMatchingTheCPU() throws {
        let report = try doctor(["OPENBLAS_CORETYPE": "Prescott", "DBRUN_BLAS_CORE": "best"])
        #expect(report.blas.core == Self.expectedFromPrescott, "\(report.blas.reason)")
        #expect(report.blas.openBLASChoice == "Prescott")
        // The library in use really is the new core, and it was checked before it was trusted.
        #expect(report.openBLAS.contains(Self.expectedFromPrescott))
        #expect(report.selfTest.passed)
        if Self.expectedFromPrescott != "Prescott" {
            #expect(report.blas.selfTest?.passed == true)
            #expect(report.blas.reason.contains("generic"), "\(report.blas.reason)")
        } else {
            #expect(report.blas.reason.contains("no AVX2+FMA"), "\(report.blas.reason)")
        }
    }

    @Test func theUsersOwnCoreTypeWins() throws {
        let report = try doctor(["OPENBLAS_CORETYPE": "Prescott", "DBRUN_BLAS_CORE": ""])
        #expect(report.blas.core == "Prescott")
        #expect(report.blas.reason == "set by OPENBLAS_CORETYPE=Prescott")
        #expect(report.openBLAS.contains("Prescott"))
    }

    @Test func aCoreThatFailedItsSelfTestIsNotTriedAgain() throws {
        // What the process that saw the failure hands to the one it starts.
        let report = try doctor(["OPENBLAS_CORETYPE": "Prescott", "DBRUN_BLAS_CORE": "best",
                                 "DBRUN_BLAS_RESTART": "Prescott,!Cooperlake,Prescott"])
        #expect(report.blas.core == "Prescott")
        #expect(report.blas.reason.contains("Cooperlake failed its self-test"), "\(report.blas.reason)")
    }

    @Test func stagesSeeTheUsersEnvironmentAndRecordTheCore() throws {
        let folder = try TemporaryFolder("dbrun-kernel")
        try folder.write("p.yaml", """
            version: 1
            stages:
              show:
                kind: command
                cmd: echo "${OPENBLAS_CORETYPE:-unset} ${DBRUN_BLAS_RESTART:-none}" > env.txt
                outs: [env.txt]
            """)
        let result = try DBRunProcess.run(["p.yaml"], in: folder.url,
                                          environment: ["OPENBLAS_CORETYPE": "Prescott", "DBRUN_BLAS_CORE": "best"])
        #expect(result.status == 0, "\(result.output)")
        // The command runs under what the user set, not what dbrun chose for itself.
        #expect(folder.read("env.txt") == "Prescott none\n")
        let records = try FileManager.default.subpathsOfDirectory(atPath: folder.url.appendingPathComponent(".dbrun/records").path)
            .filter { $0.hasSuffix(".json") }
        #expect(records.count == 1)
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.url.appendingPathComponent(".dbrun/records").appendingPathComponent(records[0]))) as? [String: Any]
        let run = record?["run"] as? [String: Any]
        #expect(run?["kernel"] as? String == Self.expectedFromPrescott)
        #expect(run?["threads"] as? Int != nil)
    }
}
