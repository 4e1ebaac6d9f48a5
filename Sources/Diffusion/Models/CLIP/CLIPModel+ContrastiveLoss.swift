import Tensor

extension CLIPModel {
    /// transformers' CLIP loss (`CLIPModel(..., return_loss=True)`): the mean of two cross-entropies over the
    /// `[N, N]` logits of N images and their N captions, text i belonging with image i — one picks each image's
    /// caption among the captions, the other each caption's image among the images.
    public static func contrastiveLoss(logitsPerImage logits: Tensor) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == logits.shape[1],
                     "contrastiveLoss: logits \(logits.shape), expected as many images as captions")
        let targets = Array(0..<logits.shape[0])
        let imageLoss = Tensor.crossEntropy(logits, targets: targets)
        let captionLoss = Tensor.crossEntropy(logits.transposed(0, 1), targets: targets)
        return (imageLoss + captionLoss) * 0.5
    }
}
