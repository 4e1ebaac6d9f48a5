import Tensor

/// transformers' `CLIPTextEmbeddings`: token and learned position embeddings, added.
public final class CLIPTextEmbeddings: Module {
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding

    init(_ config: CLIPTextConfig, generator: inout RandomGenerator) {
        tokenEmbedding = Embedding(config.vocabSize, config.hiddenSize, generator: &generator)
        positionEmbedding = Embedding(config.maxPositionEmbeddings, config.hiddenSize, generator: &generator)
    }

    /// `[N, T, E]` for `ids` of N rows of T tokens (positions 0..<T).
    func callAsFunction(_ ids: [Int], batch n: Int, tokens t: Int) -> Tensor {
        tokenEmbedding(ids, shape: [n, t]) + positionEmbedding(Array(0..<t), shape: [1, t])
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("token_embedding", tokenEmbedding)
        v.child("position_embedding", positionEmbedding)
    }
}

/// What `CLIPTextModel` returns (transformers' `BaseModelOutputWithPooling`).
public struct CLIPTextOutput {
    /// `[N, T, E]`, after the final layer norm: what Stable Diffusion's UNet attends to.
    public let lastHiddenState: Tensor
    /// `[N, E]`: the last hidden state at each row's end-of-text token (see `CLIPTextConfig.eosTokenID`).
    public let pooledOutput: Tensor
}

/// transformers' `CLIPTextTransformer` (the module under `text_model.`): embeddings, a causal pre-norm encoder, and
/// `final_layer_norm`. `CLIPTextModel` and `CLIPModel` both hold one.
public final class CLIPTextTransformer: Module {
    public let config: CLIPTextConfig
    public let embeddings: CLIPTextEmbeddings
    public let encoder: CLIPEncoder
    public let finalLayerNorm: LayerNorm

    /// Random weights (PyTorch's default init from `generator`); load a checkpoint to use it.
    public init(_ config: CLIPTextConfig, generator: inout RandomGenerator) throws(ConfigError) {
        try config.validate()
        self.config = config
        embeddings = CLIPTextEmbeddings(config, generator: &generator)
        let shape = CLIPEncoderShape(
            hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize, heads: config.numAttentionHeads,
            layers: config.numHiddenLayers, layerNormEps: Float(config.layerNormEps),
            activation: try TransformerActivation(hiddenAct: config.hiddenAct))
        encoder = CLIPEncoder(shape, generator: &generator)
        finalLayerNorm = LayerNorm(config.hiddenSize, eps: Float(config.layerNormEps))
    }

    /// Runs the text tower on `inputIDs` (N rows of equal length T ≤ `max_position_embeddings`).
    public func callAsFunction(_ inputIDs: [[Int]]) throws(ModelInputError) -> CLIPTextOutput {
        let (flat, n, t) = try checked(inputIDs)
        let hidden = finalLayerNorm(encoder(embeddings(flat, batch: n, tokens: t), causal: true))
        return CLIPTextOutput(lastHiddenState: hidden, pooledOutput: pooled(hidden, inputIDs))
    }

    /// transformers' `hidden_states[index]`: 0 is the embeddings, k the output of layer k (before the final norm);
    /// negative indices count from the end as in Python (-1 is the last layer, -2 the penultimate).
    ///
    /// This is "clip skip": diffusers' `clip_skip = k` takes index `-(k + 1)` and applies `final_layer_norm`
    /// (`finalLayerNorm: true`); A1111's "CLIP skip 2" for SD 1.x is index -2 with the norm. Stable Diffusion 2.x
    /// was trained on OpenCLIP's penultimate layer, and its diffusers `text_encoder` already stops there (the
    /// conversion keeps 23 of 24 layers), so SD 2.x wants the default `lastHiddenState`, not index -2.
    /// Only the layers up to `index` run.
    public func hiddenStates(_ inputIDs: [[Int]], index: Int, finalLayerNorm applyNorm: Bool = false)
        throws(ModelInputError) -> Tensor
    {
        let layers = config.numHiddenLayers
        let k = index < 0 ? layers + 1 + index : index
        guard (0...layers).contains(k) else {
            throw ModelInputError(model: "CLIPTextModel", input: "hidden state index",
                                  "\(index) is outside -\(layers + 1)...\(layers) for \(layers) layers")
        }
        let (flat, n, t) = try checked(inputIDs)
        let hidden = encoder(embeddings(flat, batch: n, tokens: t), causal: true, layers: k)
        return applyNorm ? finalLayerNorm(hidden) : hidden
    }

    /// The pooled position of each row: with the legacy `eos_token_id == 2` the highest id (the first one on
    /// ties, as `argmax`), otherwise the first `eos_token_id` (0 when there is none, as `argmax` of all zeros).
    public func pooledPositions(_ inputIDs: [[Int]]) -> [Int] {
        inputIDs.map { row in
            if config.eosTokenID == 2 {
                guard let top = row.max() else { return 0 }
                return row.firstIndex(of: top) ?? 0
            }
            return row.firstIndex(of: config.eosTokenID) ?? 0
        }
    }

    /// Rows of `hidden` `[N, T, E]` at the pooled positions, `[N, E]`, as an embedding lookup so gradients flow.
    func pooled(_ hidden: Tensor, _ inputIDs: [[Int]]) -> Tensor {
        let (n, t, e) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let rows = pooledPositions(inputIDs).enumerated().map { b, p in b * t + p }
        return Tensor.embedding(hidden.reshaped([n * t, e]), ids: rows)
    }

    /// Flattens and checks ids: equal row lengths, within the position table and the vocabulary.
    func checked(_ inputIDs: [[Int]]) throws(ModelInputError) -> ([Int], Int, Int) {
        let model = "CLIPTextModel"
        guard let t = inputIDs.first?.count, t > 0 else {
            throw ModelInputError(model: model, input: "input_ids", "needs at least one row of at least one token")
        }
        guard t <= config.maxPositionEmbeddings else {
            throw ModelInputError(model: model, input: "input_ids",
                                  "\(t) tokens exceed max_position_embeddings = \(config.maxPositionEmbeddings)")
        }
        var flat: [Int] = []
        flat.reserveCapacity(inputIDs.count * t)
        for (i, row) in inputIDs.enumerated() {
            guard row.count == t else {
                throw ModelInputError(model: model, input: "input_ids[\(i)]", "has \(row.count) tokens, row 0 has \(t)")
            }
            if let bad = row.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw ModelInputError(model: model, input: "input_ids[\(i)]",
                                      "id \(bad) is outside the vocabulary 0..<\(config.vocabSize)")
            }
            flat += row
        }
        return (flat, inputIDs.count, t)
    }

    public func visitParameters(_ v: inout ParameterVisitor) {
        v.child("embeddings", embeddings)
        v.child("encoder", encoder)
        v.child("final_layer_norm", finalLayerNorm)
    }
}

/// transformers' `CLIPTextModel`, the `text_encoder` of Stable Diffusion: the text tower under `text_model.`, the
/// names every Stable Diffusion checkpoint uses (transformers 5 writes them without the prefix; loading takes both,
/// see `TransformersCheckpoint`).
public final class CLIPTextModel: Module {
    public let textModel: CLIPTextTransformer
    public var config: CLIPTextConfig { textModel.config }
    /// Keys of the loaded `config.json` that neither dbrun nor transformers knows (transformers ignores them with a
    /// warning; the caller prints it). Empty for a model built in code.
    public internal(set) var ignoredConfigKeys: [String] = []

    /// Random weights from `generator` (PyTorch's default init; transformers' own init differs, which only matters
    /// for training from scratch).
    public init(_ config: CLIPTextConfig, generator: inout RandomGenerator) throws(ConfigError) {
        textModel = try CLIPTextTransformer(config, generator: &generator)
    }

    /// Last hidden state and pooled output for `inputIDs` (N rows of equal length).
    public func callAsFunction(_ inputIDs: [[Int]]) throws(ModelInputError) -> CLIPTextOutput {
        try textModel(inputIDs)
    }

    /// Recompute encoder layers during backward (see `CLIPEncoder.gradientCheckpointing`).
    public var gradientCheckpointing: Bool {
        get { textModel.encoder.gradientCheckpointing }
        set { textModel.encoder.gradientCheckpointing = newValue }
    }

    /// See `CLIPTextTransformer.hiddenStates(_:index:finalLayerNorm:)` ("clip skip").
    public func hiddenStates(_ inputIDs: [[Int]], index: Int, finalLayerNorm: Bool = false) throws(ModelInputError)
        -> Tensor
    {
        try textModel.hiddenStates(inputIDs, index: index, finalLayerNorm: finalLayerNorm)
    }

    public func visitParameters(_ v: inout ParameterVisitor) { v.child("text_model", textModel) }
}
