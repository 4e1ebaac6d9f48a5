/// Keys every transformers `PretrainedConfig` may carry that cannot change what an encoder computes: bookkeeping,
/// dtype hints, and the generation/training settings older transformers versions wrote into every config.
enum TransformersConfigKeys {
    static let irrelevant: [String: ConfigKeyRule] = {
        let names = [
            "architectures", "model_type", "transformers_version", "torch_dtype", "dtype", "return_dict",
            "output_hidden_states", "output_attentions", "torchscript", "use_bfloat16", "tf_legacy_loss",
            "pruned_heads", "tie_word_embeddings", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder",
            "cross_attention_hidden_size", "add_cross_attention", "tie_encoder_decoder", "max_length", "min_length",
            "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty", "temperature",
            "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
            "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
            "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
            "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "finetuning_task",
            "id2label", "label2id", "tokenizer_class", "prefix", "sep_token_id", "decoder_start_token_id",
            "task_specific_params", "problem_type", "initializer_range", "initializer_factor", "gradient_checkpointing",
            "use_cache",
        ]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, ConfigKeyRule.irrelevant) })
    }()

    /// Dropout rates: dbrun's encoders have no dropout, so only 0 is accepted (every released CLIP and DINO has 0).
    static func noDropout(_ keys: [String]) -> [String: ConfigKeyRule] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, ConfigKeyRule.neutral([.number(0)])) })
    }
}
