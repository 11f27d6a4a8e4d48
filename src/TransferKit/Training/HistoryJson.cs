using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TransferKit.Training;

/// <summary>Writes and reads a <see cref="History"/> as JSON (inside checkpoints and reports).</summary>
public static class HistoryJson
{
    /// <summary>The history as a JSON document (non-finite numbers are written as strings: "NaN").</summary>
    public static string Serialize(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = new JsonArray();
        foreach (var e in history.Epochs)
            epochs.Add(new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["train"] = Phase(e.Train),
                ["validation"] = e.Validation is null ? null : Phase(e.Validation),
                ["learning_rates"] = new JsonArray(e.LearningRates.Select(Number).ToArray()),
                ["seconds"] = e.Duration.TotalSeconds,
            });
        return new JsonObject { ["epochs"] = epochs }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote.</summary>
    public static History Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var history = new History();
        foreach (var e in JsonNode.Parse(json)!["epochs"]!.AsArray())
            history.Add(new EpochResult(
                e!["epoch"]!.GetValue<int>(),
                ReadPhase(e["train"]!),
                e["validation"] is { } v ? ReadPhase(v) : null,
                e["learning_rates"]!.AsArray().Select(ReadNumber).ToArray(),
                TimeSpan.FromSeconds(e["seconds"]!.GetValue<double>())));
        return history;
    }

    private static JsonNode Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    private static double ReadNumber(JsonNode? node) =>
        node!.GetValueKind() == JsonValueKind.String ? double.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture) : node.GetValue<double>();

    private static JsonObject Phase(PhaseMetrics m) => new()
    {
        ["loss"] = Number(m.Loss),
        ["accuracy"] = Number(m.Accuracy),
        ["top_k_accuracy"] = Number(m.TopKAccuracy),
        ["top_k"] = m.TopK,
        ["samples"] = m.Samples,
        ["confusion"] = m.Confusion is null ? null : new JsonArray(m.Confusion.ToRows().Select(row => (JsonNode?)new JsonArray(row.Select(c => (JsonNode?)c).ToArray())).ToArray()),
        ["custom"] = new JsonObject(m.Custom.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, Number(p.Value)))),
    };

    private static PhaseMetrics ReadPhase(JsonNode n) => new(
        ReadNumber(n["loss"]),
        ReadNumber(n["accuracy"]),
        ReadNumber(n["top_k_accuracy"]),
        n["top_k"]!.GetValue<int>(),
        n["confusion"] is { } c ? ConfusionMatrix.FromRows(c.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToArray()) : null,
        n["samples"]!.GetValue<long>())
    {
        Custom = n["custom"] is JsonObject custom ? custom.ToDictionary(p => p.Key, p => ReadNumber(p.Value)) : PhaseMetrics.NoCustom,
    };
}
