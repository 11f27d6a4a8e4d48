namespace TransferKit.Tests.Conventions;

/// <summary>
/// The layer direction of TransferKit.dll, checked on the compiled assembly (<see cref="DependencyScanner"/>):
/// Engine → NN → Models / Serialization → Onnx → Data → Audio → Text → Training → Transfer → Inference; each layer uses
/// only itself and the layers before it. Models and Serialization are at the same level and use
/// neither each other (today's code: Serialization reads and writes state dicts of NN modules, and
/// Models builds architectures from NN layers; loading a checkpoint into a model is done by callers
/// in later layers). Sub-namespaces (TransferKit.Data.Transforms) belong to their layer.
/// </summary>
[Trait("Category", "Unit")]
public class LayeringTests
{
    /// <summary>The layers in order; names on one line share a level.</summary>
    internal static readonly string[][] Layers =
    [
        ["Engine"],
        ["NN"],
        ["Models", "Serialization"],
        ["Onnx"],
        ["Data"],
        ["Audio"],
        ["Text"],
        ["Training"],
        ["Transfer"],
        ["Inference"],
    ];

    /// <summary>
    /// Every (type → used type) pair of <paramref name="assemblyPath"/> whose used type is in a later
    /// layer, or in another layer of the same level, as "User → Used (Layer → Layer)".
    /// </summary>
    internal static List<string> Violations(string assemblyPath, string root, string[][] layers)
    {
        var level = new Dictionary<string, int>();
        for (int k = 0; k < layers.Length; k++)
            foreach (string name in layers[k]) level[name] = k;
        string? LayerOf(string type)
        {
            if (!type.StartsWith(root + ".", StringComparison.Ordinal)) return null;
            string rest = type[(root.Length + 1)..];
            int dot = rest.IndexOf('.');
            return dot < 0 ? null : rest[..dot]; // a type directly in the root namespace belongs to no layer
        }

        var problems = new List<string>();
        var unknown = new SortedSet<string>();
        foreach (var (user, used) in DependencyScanner.Scan(assemblyPath, root))
        {
            string? from = LayerOf(user), to = LayerOf(used);
            if (from is null || to is null || from == to) continue;
            if (!level.TryGetValue(from, out int a)) { unknown.Add(from); continue; }
            if (!level.TryGetValue(to, out int b)) { unknown.Add(to); continue; }
            if (b >= a) problems.Add($"{user} → {used} ({from} → {to})");
        }
        foreach (string name in unknown) problems.Add($"namespace {root}.{name} is in no layer: add it to the layer list");
        problems.Sort(StringComparer.Ordinal);
        return problems;
    }

    [Fact]
    public void EachLayerOfTransferKitUsesOnlyItselfAndTheLayersBeforeIt()
    {
        string dll = typeof(Torch).Assembly.Location;
        // The scan sees real dependencies: every layer after Engine uses Engine's types.
        var pairs = DependencyScanner.Scan(dll, "TransferKit");
        foreach (string layer in Layers.Skip(1).SelectMany(l => l))
            Assert.Contains(pairs, p => p.User.StartsWith($"TransferKit.{layer}.", StringComparison.Ordinal) && p.Used.StartsWith("TransferKit.Engine.", StringComparison.Ordinal));
        var violations = Violations(dll, "TransferKit", Layers);
        Assert.True(violations.Count == 0,
            $"{violations.Count} uses against the layer direction {string.Join(" → ", Layers.Select(l => string.Join(" / ", l)))}:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheScanSeesUsesInSignaturesMethodBodiesAndCompilerGeneratedTypes()
    {
        // The samples below, in this test assembly: Low uses High in ways a `using` scan would miss.
        string dll = typeof(LayeringTests).Assembly.Location;
        var violations = Violations(dll, "TransferKit.Tests.LayeringSamples", [["Low"], ["Mid1", "Mid2"], ["High"]]);
        string[] expected =
        [
            "TransferKit.Tests.LayeringSamples.Low.InABody → TransferKit.Tests.LayeringSamples.High.Top (Low → High)",
            "TransferKit.Tests.LayeringSamples.Low.InAGenericArgument → TransferKit.Tests.LayeringSamples.High.Top (Low → High)",
            "TransferKit.Tests.LayeringSamples.Low.InALambda → TransferKit.Tests.LayeringSamples.High.Top (Low → High)",
            "TransferKit.Tests.LayeringSamples.Low.InASignature → TransferKit.Tests.LayeringSamples.High.Top (Low → High)",
            "TransferKit.Tests.LayeringSamples.Low.InAnIterator → TransferKit.Tests.LayeringSamples.High.Top (Low → High)",
            "TransferKit.Tests.LayeringSamples.Mid1.Side → TransferKit.Tests.LayeringSamples.Mid2.OtherSide (Mid1 → Mid2)",
        ];
        Assert.Equal(expected, violations);
    }
}
