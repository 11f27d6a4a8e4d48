using System.Runtime.CompilerServices;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Onnx;

/// <summary>
/// Connects ONNX files to the zoo: when the assembly loads, registers the <c>.onnx</c> reader that
/// <c>ModelBuilder.FromPretrained</c> (through PretrainedModels) uses for catalog entries such as
/// <c>resnet18_mlnet</c>. The entry's mean and std say which normalisation the weights are converted to.
/// </summary>
internal static class OnnxZooWeights
{
#pragma warning disable CA2255 // A library registering its own format reader with an earlier layer of the same assembly.
    [ModuleInitializer]
    internal static void Register() => WeightFormats.Register(".onnx", Read);
#pragma warning restore CA2255

    /// <summary>Imports the file for <paramref name="weights"/>, with a new head of its category count when the file has none.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path, PretrainedWeights weights)
    {
        var options = OptionsFor(weights);
        var result = OnnxImport.LoadResNet(path, options);
        var stateDict = result.DetachStateDict();
        try
        {
            if (!stateDict.ContainsKey("fc.weight"))
            {
                long features = result.Mappings.Last(m => m.Key.EndsWith(".bn2.weight", StringComparison.Ordinal)).Shape[0];
                using var head = new Linear(features, weights.Categories.Count);
                stateDict.Add("fc.weight", head.Weight.Detach().Clone());
                stateDict.Add("fc.bias", head.Bias!.Detach().Clone());
            }
            return stateDict;
        }
        catch
        {
            stateDict.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The import options that give weights expecting <paramref name="weights"/>' normalisation: ML.NET's
    /// file is converted from CNTK's convention; any other ONNX file is taken as it is.
    /// </summary>
    internal static OnnxImportOptions OptionsFor(PretrainedWeights weights)
    {
        if (weights.NuGet != MLNetResNet.File) return new OnnxImportOptions { FileConvention = null };
        var file = OnnxInputConvention.Cntk;
        bool asInFile = Enumerable.Range(0, 3).All(c =>
            Math.Abs(weights.Mean[c] * file.Scale - file.Mean[c]) < 1e-9 && Math.Abs(weights.Std[c] * file.Scale - file.Std[c]) < 1e-9);
        return asInFile ? new OnnxImportOptions() : new OnnxImportOptions { Mean = weights.Mean, Std = weights.Std };
    }
}
