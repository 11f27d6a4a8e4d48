using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Data;

/// <summary>
/// One mini-batch: named model inputs (<see cref="ModelInputs"/>: images under
/// <c>pixel_values</c>, token ids and attention masks for text, waveforms and lengths for audio)
/// and targets (int64 class indices [N], or float multi-hot [N, C] for multi-label). The consumer
/// disposes it; the <see cref="Training.Trainer"/> does so after each step.
/// </summary>
public sealed class Batch : IDisposable
{
    /// <summary>A batch of one input tensor, stored as <see cref="ModelInputs.PixelValues"/>.</summary>
    public Batch(Tensor pixelValues, Tensor targets) : this(new ModelInputs(ModelInputs.PixelValues, pixelValues), targets) { }

    /// <summary>A batch of named inputs; it owns them and <paramref name="targets"/>.</summary>
    public Batch(ModelInputs inputs, Tensor targets)
    {
        Inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        Targets = targets ?? throw new ArgumentNullException(nameof(targets));
        if (inputs.Count == 0) throw new ArgumentException("A batch needs at least one input.", nameof(inputs));
    }

    /// <summary>The model's inputs by name.</summary>
    public ModelInputs Inputs { get; }

    /// <summary>The targets.</summary>
    public Tensor Targets { get; }

    /// <summary>An input by name (e.g. <c>batch["input_ids"]</c>).</summary>
    public Tensor this[string name] => Inputs[name];

    /// <summary>The images, for image batches (<see cref="ModelInputs.PixelValues"/>).</summary>
    public Tensor PixelValues => Inputs[ModelInputs.PixelValues];

    /// <summary>Number of samples.</summary>
    public long Size => Targets.Size(0);

    /// <summary>
    /// A new batch on <paramref name="device"/> (this one stays; the caller disposes both). With
    /// <paramref name="nonBlocking"/> the copies from pinned memory (<see cref="DataLoaderOptions.PinMemory"/>)
    /// to a GPU run asynchronously, as PyTorch's <c>to(device, non_blocking=True)</c>.
    /// </summary>
    public Batch To(Device device, bool nonBlocking = false)
    {
        var inputs = Inputs.To(device, nonBlocking);
        try
        {
            return new Batch(inputs, Targets.To(device, nonBlocking));
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    /// <summary>A copy of this batch in pinned host memory (see <see cref="Tensor.PinMemory"/>); the caller disposes both.</summary>
    public Batch PinMemory()
    {
        var inputs = Inputs.Select(t => t.PinMemory());
        try
        {
            return new Batch(inputs, Targets.PinMemory());
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    /// <summary>Frees the inputs and targets.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// A batch source that wants to know which epoch is starting, so that shuffling and augmentation
/// depend on (seed, epoch) and a resumed run sees the same batches as an uninterrupted one.
/// </summary>
public interface IEpochAware
{
    /// <summary>Called by the trainer before each epoch's enumeration (epochs count from 1).</summary>
    void SetEpoch(int epoch);
}
