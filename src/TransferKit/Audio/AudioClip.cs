using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>
/// A decoded sound: float32 samples [channels, frames] in [-1, 1] and the sample rate. <see cref="Dispose"/> frees the tensor.
/// </summary>
public sealed class AudioClip : IDisposable
{
    /// <summary>Wraps samples [channels, frames] (float32) recorded at <paramref name="sampleRate"/> Hz; the clip owns them.</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D or the rate is not positive.</exception>
    public AudioClip(Tensor samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.NDim != 2)
            throw new ArgumentException($"Audio samples must be [channels, frames]; got shape [{string.Join(", ", samples.Shape)}].", nameof(samples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        Samples = samples;
        SampleRate = sampleRate;
    }

    /// <summary>The samples, float32 [channels, frames].</summary>
    public Tensor Samples { get; }

    /// <summary>Samples per second (Hz).</summary>
    public int SampleRate { get; }

    /// <summary>Number of channels.</summary>
    public int Channels => (int)Samples.Size(0);

    /// <summary>Number of frames (samples per channel).</summary>
    public long Frames => Samples.Size(1);

    /// <summary>Length in seconds.</summary>
    public double Duration => (double)Frames / SampleRate;

    /// <summary>Frees <see cref="Samples"/>.</summary>
    public void Dispose() => Samples.Dispose();
}
