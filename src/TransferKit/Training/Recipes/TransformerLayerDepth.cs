using System.Globalization;
using System.Text.RegularExpressions;

namespace TransferKit.Training;

/// <summary>
/// Depth of a transformer's parameter for layer-wise learning-rate decay, from its state-dict name:
/// 0 for the embeddings, i + 1 for encoder layer i, and <c>numLayers + 1</c> for what follows the
/// last layer (final LayerNorm, pooler, classifier). Covers the key layouts of the model families
/// TransferKit loads: Hugging Face BERT (<c>[bert.]embeddings.*</c>, <c>encoder.layer.N.*</c>),
/// Hugging Face ViT (<c>vit.embeddings.*</c>, <c>vit.encoder.layer.N.*</c>) and torchvision ViT
/// (<c>class_token</c>, <c>conv_proj.*</c>, <c>encoder.pos_embedding</c>, <c>encoder.layers.encoder_layer_N.*</c>).
/// </summary>
public static partial class TransformerLayerDepth
{
    /// <summary>The depth function of an encoder with <paramref name="numLayers"/> layers.</summary>
    /// <exception cref="ArgumentException">A name names a layer index at or beyond <paramref name="numLayers"/> (when the function is called).</exception>
    public static Func<string, int> ForEncoder(int numLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        return name => Of(name, numLayers);
    }

    /// <summary>The depth of <paramref name="name"/> in an encoder with <paramref name="numLayers"/> layers.</summary>
    public static int Of(string name, int numLayers)
    {
        ArgumentNullException.ThrowIfNull(name);
        var layer = LayerIndex().Match(name);
        if (layer.Success)
        {
            int index = int.Parse(layer.Groups["i"].Success ? layer.Groups["i"].Value : layer.Groups["j"].Value, CultureInfo.InvariantCulture);
            if (index >= numLayers)
                throw new ArgumentException($"Parameter '{name}' is in layer {index} but the encoder was declared with {numLayers} layers.", nameof(name));
            return index + 1;
        }
        return IsEmbedding(name) ? 0 : numLayers + 1;
    }

    private static bool IsEmbedding(string name) =>
        name.Contains("embeddings.", StringComparison.Ordinal) || name.StartsWith("conv_proj.", StringComparison.Ordinal) ||
        name is "class_token" or "encoder.pos_embedding";

    [GeneratedRegex(@"(?:^|\.)layers?\.(?<i>\d+)\.|(?:^|\.)encoder_layer_(?<j>\d+)\.")]
    private static partial Regex LayerIndex();
}
