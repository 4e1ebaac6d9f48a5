// diffusers/transformers-compatible models land here (issue: models).
import Tensor

/// The diffusers release whose names, configs and outputs dbrun's models mirror (parity fixtures were made with it).
public enum DiffusersCompatibility {
    public static let diffusersVersion = "0.42.1"
}
