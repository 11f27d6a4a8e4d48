using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Transfer;

namespace TransferKit.Reports;

/// <summary>
/// Turns one example of a batch, as the model sees it, into what the report shows: an image tensor
/// into a thumbnail (<see cref="ImageExampleRenderer"/>), a spectrogram into a heat map
/// (<see cref="SpectrogramExampleRenderer"/>), token ids into a sentence
/// (<see cref="TextExampleRenderer"/>). Derive from it for other inputs; <see cref="For"/> picks one
/// from the batch's inputs.
/// </summary>
public abstract class ExampleRenderer
{
    /// <summary>Renders example <paramref name="index"/> of <paramref name="batch"/> (the batch stays owned by the caller).</summary>
    public abstract ReportExample Render(Batch batch, int index);

    /// <summary>
    /// The renderer for a batch's inputs: token ids (<see cref="ModelInputs.InputIds"/>) as text;
    /// <see cref="ModelInputs.PixelValues"/> with <see cref="ModelInputs.Lengths"/> (an audio
    /// loader's log-mel features) as spectrograms; other <see cref="ModelInputs.PixelValues"/> as
    /// images, de-normalised with the model's preprocessing (a <see cref="TransferModel"/>) or
    /// shown min-max scaled; anything else as a description of its shape.
    /// </summary>
    public static ExampleRenderer For(Batch batch, Module? model = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Inputs.ContainsKey(ModelInputs.InputIds)) return new TextExampleRenderer();
        if (batch.Inputs.ContainsKey(ModelInputs.PixelValues))
        {
            if (batch.Inputs.ContainsKey(ModelInputs.Lengths)) return new SpectrogramExampleRenderer();
            return model is TransferModel transfer
                ? new ImageExampleRenderer(transfer.Preprocessing.Mean, transfer.Preprocessing.Std)
                : new ImageExampleRenderer();
        }
        return new ShapeExampleRenderer();
    }

    /// <summary>Describes the example's input shapes (the fallback for inputs no renderer knows).</summary>
    private sealed class ShapeExampleRenderer : ExampleRenderer
    {
        public override ReportExample Render(Batch batch, int index) =>
            ReportExample.FromText(string.Join(", ", batch.Inputs.Select(p => $"{p.Key} [{string.Join(", ", p.Value.Shape.Skip(1))}]")));
    }
}
