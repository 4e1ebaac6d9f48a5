import Tensor

/// The engine's version of every fixture case: the same op, called through the public API.
enum OpRegistry {
    typealias Op = @Sendable ([Tensor], OpCase.Params) -> Tensor

    static let ops: [String: Op] = [
        "add_broadcast": { x, _ in x[0] + x[1] },
        "sub_broadcast": { x, _ in x[0] - x[1] },
        "mul_broadcast": { x, _ in x[0] * x[1] },
        "div_broadcast": { x, _ in x[0] / x[1] },
        "pow_tensor": { x, _ in Tensor.pow(x[0], x[1]) },
        "pow_scalar": { x, _ in x[0].pow(3) },
        "exp": { x, _ in x[0].exp() },
        "log": { x, _ in x[0].log() },
        "sqrt": { x, _ in x[0].sqrt() },
        "rsqrt": { x, _ in x[0].rsqrt() },
        "abs": { x, _ in x[0].abs() },
        "clamp": { x, _ in x[0].clamp(min: -0.5, max: 0.7) },
        "neg": { x, _ in -x[0] },
        "silu": { x, _ in x[0].silu() },
        "gelu": { x, _ in x[0].gelu() },
        "gelu_tanh": { x, _ in x[0].geluTanh() },
        "quick_gelu": { x, _ in x[0].quickGelu() },
        "sigmoid": { x, _ in x[0].sigmoid() },
        "tanh": { x, _ in x[0].tanh() },
        "softplus": { x, _ in (x[0] * 10).softplus() },
        "sum_axes": { x, _ in x[0].sum(axes: [0, 2]) },
        "sum_keepdim": { x, _ in x[0].sum(axis: 1, keepDim: true) },
        "mean_axis": { x, _ in x[0].mean(axis: -1) },
        "max_axis": { x, _ in x[0].max(axis: 1) },
        "var_axis": { x, _ in x[0].variance(axes: [1]) },
        "matmul_00": { x, p in Tensor.matmul(x[0], x[1], transposeA: p.ta!, transposeB: p.tb!) },
        "matmul_01": { x, p in Tensor.matmul(x[0], x[1], transposeA: p.ta!, transposeB: p.tb!) },
        "matmul_10": { x, p in Tensor.matmul(x[0], x[1], transposeA: p.ta!, transposeB: p.tb!) },
        "matmul_11": { x, p in Tensor.matmul(x[0], x[1], transposeA: p.ta!, transposeB: p.tb!) },
        "bmm": { x, _ in Tensor.matmul(x[0], x[1]) },
        "bmm_shared": { x, _ in Tensor.matmul(x[0], x[1]) },
        "linear": { x, _ in Tensor.linear(x[0], weight: x[1], bias: x[2]) },
        "conv3x3": conv, "conv3x3_s2": conv, "conv1x1": conv, "conv_nopad": conv,
        "group_norm": { x, p in Tensor.groupNorm(x[0], groups: p.groups!, weight: x[1], bias: x[2]) },
        "layer_norm": { x, _ in Tensor.layerNorm(x[0], weight: x[1], bias: x[2]) },
        "softmax": { x, _ in x[0].softmax() },
        "log_softmax": { x, _ in x[0].logSoftmax() },
        "attention": { x, _ in Tensor.attention(query: x[0], key: x[1], value: x[2]) },
        "attention_causal": { x, _ in Tensor.attention(query: x[0], key: x[1], value: x[2], causal: true) },
        "attention_mask": { x, p in Tensor.attention(query: x[0], key: x[1], value: x[2], mask: p.mask!.tensor) },
        "embedding": { x, p in Tensor.embedding(x[0], ids: p.ids!, shape: [2, 3]) },
        "upsample": { x, _ in x[0].upsampleNearest2x() },
        "avg_pool": { x, _ in x[0].avgPool2d(2) },
        "mse": { x, _ in Tensor.mseLoss(x[0], x[1]) },
        "cross_entropy": { x, p in Tensor.crossEntropy(x[0], targets: p.targets!) },
        "cosine_similarity": { x, _ in Tensor.cosineSimilarity(x[0], x[1]) },
        "concat": { x, _ in Tensor.concat([x[0], x[1]], axis: 1) },
        "pad": { x, _ in x[0].padded([(0, 1), (1, 2)]) },
        "permute": { x, _ in x[0].permuted([2, 0, 1]) },
    ]

    static let conv: Op = { x, p in
        Tensor.conv2d(x[0], weight: x[1], bias: x[2], stride: p.stride!, padding: p.padding!)
    }

    /// Cases whose finite differences need a smaller step: kinks (abs, clamp, max) or steep inputs.
    static let fineStep: Set<String> = ["abs", "clamp", "max_axis", "softplus"]
}
