namespace TransferKit.Transfer;

/// <summary>What BatchNorm layers do while a <see cref="TransferModel"/> trains.</summary>
public enum BatchNormPolicy
{
    /// <summary>
    /// Keras's rule (default): a BatchNorm layer whose parameters are all frozen runs in inference
    /// mode (running statistics, no updates); trainable ones use batch statistics. A completely
    /// frozen backbone runs wholly in evaluation mode (dropout off too).
    /// </summary>
    FrozenInInferenceMode,

    /// <summary>
    /// Every BatchNorm layer stays in inference mode even when unfrozen: Keras's fine-tuning guide,
    /// whose second stage trains the whole model with a very small rate without disturbing the statistics.
    /// </summary>
    AlwaysInferenceMode,

    /// <summary>PyTorch's behaviour: batch statistics in training mode regardless of freezing.</summary>
    FollowTrainingMode,
}
