using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TransferKit.Cli.Output;
using TransferKit.Inference;

namespace TransferKit.Cli.Commands;

/// <summary><c>transferkit predict model.tkmodel &lt;files or folders&gt; [--top 3] [--json]</c>: classifies images with a saved model.</summary>
public static class PredictCommand
{
    private static readonly string[] ImageExtensions = { ".jpg", ".jpeg", ".png" };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The model package (.tkmodel) written by train." };
        var inputs = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG) or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k") { Description = "How many classes to list per image.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (an array with one object per image) instead of text." };
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per forward pass.", DefaultValueFactory = _ => 16 };
        var command = new Command("predict", "Classify images with a saved model.") { model, inputs, top, json, batchSize };
        command.SetAction(parse => CommandRunner.Run(token =>
        {
            int k = parse.GetValue(top);
            if (k < 1) throw new CliInputException($"--top must be at least 1 (was {k})");
            var files = Expand(parse.GetValue(inputs)!);
            using var predictor = Predictor.Load(InputFiles.Existing(parse.GetValue(model)!, "model package"), k);
            var results = new List<(string File, Prediction Prediction)>();
            int size = Math.Max(1, parse.GetValue(batchSize));
            Terminal.WithProgress("predict", bar =>
            {
                for (int start = 0; start < files.Count; start += size)
                {
                    token.ThrowIfCancellationRequested();
                    var chunk = files.Skip(start).Take(size).ToArray();
                    results.AddRange(chunk.Zip(predictor.PredictBatch(chunk, size)));
                    bar.Update("images", start + chunk.Length, files.Count);
                }
                return 0;
            });
            if (parse.GetValue(json)) Terminal.Line(ToJson(results));
            else
                foreach (var (file, p) in results)
                    Terminal.Line($"{file}\t{string.Join("  ", p.TopK.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Label} {s.Probability:0.0000}")))}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The image files named by <paramref name="inputs"/>, folders expanded (sorted), every path checked.</summary>
    private static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (File.Exists(input)) files.Add(input);
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal).ToArray();
                if (found.Length == 0) throw new CliInputException($"the folder {Path.GetFullPath(input)} has no .jpg, .jpeg or .png images");
                files.AddRange(found);
            }
            else throw new CliInputException($"{Path.GetFullPath(input)} does not exist");
        }
        return files;
    }

    private static string ToJson(IEnumerable<(string File, Prediction Prediction)> results)
    {
        var array = new JsonArray();
        foreach (var (file, p) in results)
            array.Add(new JsonObject
            {
                ["file"] = file,
                ["label"] = p.Label,
                ["index"] = p.Index,
                ["confidence"] = p.Confidence,
                ["top"] = new JsonArray(p.TopK.Select(s => (JsonNode)new JsonObject { ["label"] = s.Label, ["index"] = s.Index, ["probability"] = s.Probability }).ToArray()),
            });
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
