// swift-tools-version: 6.1
import PackageDescription

// Optimise the numeric modules hard in release builds, but never for one CPU only:
// OpenBLAS dispatches GEMM at run time, and our own loops rely on the compiler's portable vectorisation.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "dbrun",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dbrun", targets: ["dbrun"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // System-library shims: the only places C headers are imported.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // The process's compute threads: one pool and one budget for the engine's loops and Imaging's.
        .target(name: "CWorkerThreads"),
        .target(name: "WorkerThreads", dependencies: ["CWorkerThreads"], swiftSettings: fastMath),
        // Elementwise C kernels cloned per ISA (AVX-512/AVX2/baseline, picked at load time like OpenBLAS's).
        .target(name: "CEngineKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off", "-fno-math-errno"])]),
        // Engine: tensors, autodiff, kernels, optimizers. Knows nothing about models.
        .target(name: "Tensor", dependencies: ["CBLAS", "CEngineKernels", "WorkerThreads"], swiftSettings: fastMath),
        // The C side of the image codecs: libpng/libjpeg calls wrapped under setjmp, so no longjmp crosses Swift.
        .target(name: "CImagingSupport", dependencies: ["CPNG", "CJPEG"]),
        // Images in and out, resizing, grids. Independent of the engine.
        .target(name: "Imaging", dependencies: ["CImagingSupport", "CPNG", "CJPEG", "WorkerThreads"], swiftSettings: fastMath),
        // The embedded procedural world: images, captions, subjects.
        .target(name: "ToyWorld", dependencies: ["Imaging", "WorkerThreads"], swiftSettings: fastMath),
        // The safetensors format: validated memory-mapped reading, Python-identical writing, sharded archives.
        .target(name: "SafeTensors", dependencies: ["Tensor"], swiftSettings: fastMath),
        // The one training loop: schedule, accumulation, clipping, EMA, checkpoints that resume to the same bytes.
        .target(name: "Training", dependencies: ["Tensor", "SafeTensors"], swiftSettings: fastMath),
        // diffusers/transformers-compatible models, safetensors, tokenizer, schedulers. Knows nothing about pipelines.
        .target(name: "Diffusion", dependencies: ["Tensor", "SafeTensors", "Imaging"], swiftSettings: fastMath),
        // Declarative pipelines: spec, schema, DAG, cache, executor. Knows nothing about ML.
        .target(
            name: "Pipeline",
            dependencies: ["CYAML", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The stage kinds that train the embedded world's models, registered with Pipeline.
        .target(name: "Pretraining", dependencies: ["Pipeline", "Training", "Diffusion", "Imaging", "ToyWorld"], swiftSettings: fastMath),
        // DreamBooth stage kinds, registered with Pipeline.
        .target(name: "DreamBooth", dependencies: ["Pipeline", "Pretraining", "Diffusion", "Imaging", "ToyWorld"]),
        .executableTarget(
            name: "dbrun",
            dependencies: [
                "Pipeline", "DreamBooth", "Pretraining", "Diffusion", "SafeTensors", "Imaging", "Tensor", "ToyWorld",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The fuzz targets (one function of bytes per untrusted input) and their driver: libFuzzer's entry point
        // under `make fuzz`, a replayer otherwise. The regression tests replay every crasher through the same code.
        .target(name: "FuzzHarness", dependencies: ["Pipeline", "DreamBooth", "Diffusion", "SafeTensors", "Imaging"], path: "Fuzz/Harness"),
        .executableTarget(name: "dbrun-fuzz", dependencies: ["FuzzHarness"], path: "Fuzz/Driver"),

        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        // Tiny random model folders, written by dbrun's own classes, for the Diffusion and end-to-end tests.
        .target(name: "DiffusionTestSupport", dependencies: ["Diffusion", "SafeTensors"], path: "Tests/DiffusionTestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "WorkerThreads", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Tensor", "TestSupport"]),
        .testTarget(name: "PretrainingTests", dependencies: ["Pretraining", "Training", "Diffusion", "ToyWorld", "Tensor", "Pipeline"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "SafeTensors", "TestSupport", "DiffusionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ToyWorldTests", dependencies: ["ToyWorld", "Imaging"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "TestSupport"]),
        .testTarget(name: "DreamBoothTests", dependencies: ["DreamBooth", "Pipeline", "Diffusion", "DiffusionTestSupport",
                                                        "TestSupport", "Imaging", "Tensor", "ToyWorld"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzHarness"], exclude: ["Crashers"]),
        // Drives the built `dbrun` binary on temporary pipelines.
        .testTarget(name: "EndToEndTests", dependencies: ["dbrun", "Diffusion", "SafeTensors", "TestSupport", "DiffusionTestSupport", "ToyWorld"]),
    ]
)
