using System.Collections;
using System.Globalization;
using System.Reflection;
using TransferKit.Training;

namespace TransferKit.Reports;

/// <summary>Reads a run's settings for the report: the trainer's options, optimizer, loss, schedule and callbacks.</summary>
internal static class RunSettings
{
    public static void Capture(TrainerContext context, IDictionary<string, string> settings)
    {
        foreach (var property in typeof(TrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = property.GetValue(context.Options);
            if (Describe(value) is { } text) settings["trainer." + property.Name] = text;
        }
        settings["model"] = context.Model.TypeName;
        settings["optimizer"] = context.Optimizer.GetType().Name;
        for (int g = 0; g < context.ParamGroups.Count; g++)
            settings[$"optimizer.group{g}"] =
                $"{context.ParamGroups[g].Parameters.Count} tensors, initial learning rate {context.ParamGroups[g].LearningRate.ToString("G4", CultureInfo.InvariantCulture)}";
        settings["loss"] = context.Options.Loss?.GetType().Name ?? "cross-entropy (default)";
        settings["monitor"] = $"{context.Monitor} ({(context.MonitorHigherIsBetter ? "higher" : "lower")} is better)";
        settings["callbacks"] = string.Join(", ", context.Callbacks.Select(c => c.GetType().Name));
    }

    /// <summary>A simple value as text; null for what a table cannot show (functions, callbacks).</summary>
    private static string? Describe(object? value) => value switch
    {
        null => null,
        string s => s,
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f when value.GetType().IsPrimitive || value.GetType().IsEnum => f.ToString(null, CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Delegate => "set",
        IEnumerable<float> floats => string.Join(", ", floats.Select(f => f.ToString("G4", CultureInfo.InvariantCulture))),
        ICollection { Count: 0 } => null,
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(i => i?.GetType().Name ?? "null")),
        _ => value.GetType().Name,
    };
}
