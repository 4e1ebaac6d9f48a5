/// The pipeline `dbrun new dreambooth` writes: the stages of pipelines/dog.yaml for the user's photos and class,
/// with the settings that suit the model size and comments on what to change.
struct DreamBoothTemplate {
    var name: String
    var classNoun: String
    var photos: String
    var photoCount: Int
    var model: String
    var upscaler: String
    var dino: String
    var clip: String
    /// The embedded world's tiny models (fast settings) rather than a real Stable Diffusion (LoRA, 512 pixels).
    var embedded: Bool
    /// The extension of caption files every photo has beside it (".txt"), which both fine-tunes then read.
    var captionExtension: String? = nil

    var text: String {
        let classPrompt = "a photo of a \(classNoun)"
        let instancePrompt = "a photo of ${identifier.token} \(classNoun)"
        let training = embedded
            ? "      train_batch_size: 4\n      max_train_steps: 300\n      learning_rate: 2.0e-5\n"
            : "      use_lora: true            # false: a full fine-tune (learning_rate 5.0e-6, far more memory)\n"
              + "      resolution: 512\n      gradient_checkpointing: true\n      train_batch_size: 1\n"
              + "      max_train_steps: \(max(100 * photoCount, 300))      # about 100 per photo\n      learning_rate: 1.0e-4\n"
        let captioning = captionExtension.map {
            "      caption_extension: \($0)     # each photo's caption file goes where {caption} stands\n"
                + "      instance_prompt: \(instancePrompt) {caption}\n"
        } ?? "      instance_prompt: \(instancePrompt)\n"
        return """
        # DreamBooth for the \(classNoun) in \(photos) (\(photoCount) photos), written by `dbrun new dreambooth`.
        # Run it with `dbrun \(name).yaml`; `dbrun status \(name).yaml` says what is cached. The report is
        # out/\(name)/evaluate/report/report.html; `dbrun validate \(name).yaml` checks the file after an edit
        # (the schema, with every parameter's meaning and default, is schemas/pipeline.schema.json in dbrun's repository).
        #
        # What to change: the prompts under `sample`; num_class_images (the paper: 200–300 per class for a large
        # model); max_train_steps (more if samples do not look like your \(classNoun), fewer if every picture looks
        # like the photos); prior_loss_weight (0 turns prior preservation off).
        version: 1
        name: \(name)
        seed: 0
        stages:
          identifier:
            kind: identifier
            with:
              model: \(model)
              class_noun: \(classNoun)

          class_images:
            kind: class-images
            with:
              model: \(model)
              class_prompt: \(classPrompt)
              num_class_images: \(embedded ? 48 : 100)
              num_inference_steps: \(embedded ? 20 : 25)
              guidance_scale: \(embedded ? 5 : 7.5)

          finetune_base:
            kind: finetune-base
            with:
              model: \(model)
              instance_data_dir: \(photos)
        \(captioning)      class_data_dir: ${class_images.images}
              class_prompt: \(classPrompt)
              prior_loss_weight: 1.0
        \(training.dropLast())
              checkpointing_steps: 100
              validation_prompt: \(instancePrompt) on the beach
              validation_steps: 100
              num_validation_images: 2

          finetune_sr:
            kind: finetune-sr
            with:
              model: \(upscaler)
              instance_data_dir: \(photos)
        \(captioning)      noise_level: 20           # the low-resolution noise augmentation; sample at the same level
              train_batch_size: \(embedded ? 4 : 1)
        \(embedded ? "      crop_size: 128\n" : "      use_lora: true\n      gradient_checkpointing: true\n")      max_train_steps: 200
              learning_rate: 1.0e-4

          sample:
            kind: sample
            with:
              model: ${finetune_base.model}
              upscaler: ${finetune_sr.model}
              prompts: &prompts
                - \(instancePrompt)
                - \(instancePrompt) on the beach
                - \(instancePrompt) in the snow
                - \(classPrompt)              # the class without the identifier: PRES in the report
              num_images_per_prompt: 4
              num_inference_steps: \(embedded ? 20 : 30)
              guidance_scale: \(embedded ? 10 : 7.5)   # higher follows the prompt more closely
              noise_level: 20

          baseline:                     # the un-tuned model on the same prompts and seeds
            kind: sample
            with:
              model: \(model)
              prompts: *prompts
              num_images_per_prompt: 4
              num_inference_steps: \(embedded ? 20 : 30)
              guidance_scale: \(embedded ? 10 : 7.5)

          evaluate:
            kind: evaluate
            with:
              instance_data_dir: \(photos)
              samples: ${sample.images}
              baseline: ${baseline.images}
              identifier: ${identifier.token}
              dino: \(dino)
              clip: \(clip)
              training_logs: [ "${finetune_base.logs}", "${finetune_sr.logs}" ]

        """
    }
}
