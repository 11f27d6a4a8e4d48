namespace TransferKit.NN;

/// <summary>How a loss combines per-element values (libtorch's <c>at::Reduction</c> codes).</summary>
public enum Reduction
{
    /// <summary>One loss per element.</summary>
    None = 0,
    /// <summary>The mean (the default, as in PyTorch).</summary>
    Mean = 1,
    /// <summary>The sum.</summary>
    Sum = 2,
}
