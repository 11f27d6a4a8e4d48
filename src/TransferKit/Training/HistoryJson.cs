using System.Text.Json;
using System.Text.Json.Nodes;

namespace TransferKit.Training;

/// <summary>Writes and reads a <see cref="History"/> as JSON (inside checkpoints and reports).</summary>
public static class HistoryJson
{
    /// <summary>The history as a JSON document.</summary>
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
                ["learning_rates"] = new JsonArray(e.LearningRates.Select(r => (JsonNode?)r).ToArray()),
                ["seconds"] = e.Duration.TotalSeconds,
            });
        return new JsonObject { ["epochs"] = epochs }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote.</summary>
    public static History Deserialize(string json)
    {
        var history = new History();
        foreach (var e in JsonNode.Parse(json)!["epochs"]!.AsArray())
            history.Add(new EpochResult(
                e!["epoch"]!.GetValue<int>(),
                ReadPhase(e["train"]!),
                e["validation"] is { } v ? ReadPhase(v) : null,
                e["learning_rates"]!.AsArray().Select(r => r!.GetValue<double>()).ToArray(),
                TimeSpan.FromSeconds(e["seconds"]!.GetValue<double>())));
        return history;
    }

    private static JsonObject Phase(PhaseMetrics m) => new()
    {
        ["loss"] = m.Loss,
        ["accuracy"] = m.Accuracy,
        ["top_k_accuracy"] = m.TopKAccuracy,
        ["top_k"] = m.TopK,
        ["samples"] = m.Samples,
        ["confusion"] = new JsonArray(m.Confusion.ToRows().Select(row => (JsonNode?)new JsonArray(row.Select(c => (JsonNode?)c).ToArray())).ToArray()),
    };

    private static PhaseMetrics ReadPhase(JsonNode n) => new(
        n["loss"]!.GetValue<double>(),
        n["accuracy"]!.GetValue<double>(),
        n["top_k_accuracy"]!.GetValue<double>(),
        n["top_k"]!.GetValue<int>(),
        ConfusionMatrix.FromRows(n["confusion"]!.AsArray().Select(r => r!.AsArray().Select(c => c!.GetValue<long>()).ToArray()).ToArray()),
        n["samples"]!.GetValue<long>());
}
