using System.Reflection;
using System.Text.RegularExpressions;

namespace TransferKit.Tests.Conventions;

/// <summary>
/// Conventions of this test assembly, checked by reflection: every class with tests carries exactly
/// one <c>[Trait("Category", X)]</c> with X one of <see cref="Categories"/> (so that
/// <c>dotnet test --filter Category=Unit</c> selects a well-defined subset), no test method adds a
/// category of its own, test methods are named in PascalCase sentences, and tests that touch
/// process-wide state run in the serial collection.
/// </summary>
[Trait("Category", "Unit")]
public partial class TestConventionTests
{
    /// <summary>Unit: no Python, no ../shared data, no child process, fast. Parity: needs the PyTorch reference. Integration: ../shared data, child processes or slow.</summary>
    public static readonly string[] Categories = ["Unit", "Parity", "Integration"];

    private static IEnumerable<Type> TestClasses() =>
        typeof(TestConventionTests).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && TestMethods(t).Any())
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static IEnumerable<MethodInfo> TestMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());

    /// <summary>The (name, value) of every [Trait] on a member, read from its attribute data.</summary>
    private static IEnumerable<(string Name, string Value)> Traits(MemberInfo member) =>
        member.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute))
            .Select(a => ((string)a.ConstructorArguments[0].Value!, (string)a.ConstructorArguments[1].Value!));

    [Fact]
    public void EveryTestClassHasExactlyOneKnownCategory()
    {
        var offenders = new List<string>();
        foreach (var type in TestClasses())
        {
            var categories = Traits(type).Where(t => t.Name == "Category").Select(t => t.Value).ToList();
            if (categories.Count != 1 || !Categories.Contains(categories[0]))
                offenders.Add($"{type.FullName}: [{string.Join(", ", categories)}]");
            foreach (var method in TestMethods(type))
                if (Traits(method).Any(t => t.Name == "Category"))
                    offenders.Add($"{type.FullName}.{method.Name}: a method-level Category (the class's category is the test's)");
        }
        Assert.True(offenders.Count == 0,
            $"Each test class needs exactly one [Trait(\"Category\", X)], X in {{{string.Join(", ", Categories)}}}; offenders:\n" + string.Join("\n", offenders));
    }

    /// <summary>PascalCase: starts with a capital letter, letters and digits only (no underscores).</summary>
    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();

    [Fact]
    public void TestMethodsAreNamedInPascalCaseSentences()
    {
        var offenders = TestClasses()
            .SelectMany(t => TestMethods(t).Where(m => !PascalCase().IsMatch(m.Name)).Select(m => $"{t.FullName}.{m.Name}"))
            .ToList();
        Assert.True(offenders.Count == 0, "Test methods named otherwise than in PascalCase sentences:\n" + string.Join("\n", offenders));
    }

    /// <summary>Members that read or change process-wide state (see <see cref="SerialCollection"/>).</summary>
    internal static readonly string[] ProcessWideMembers =
    [
        "TransferKit.Engine.Torch::get_LiveTensorCount",
        "TransferKit.Engine.TensorHandle::get_LiveCount",
        "TransferKit.Tests.SerialCollection::SettledLiveTensorCount",
        "TransferKit.Tests.SerialCollection::Settle",
        "TransferKit.Engine.Torch::ManualSeed",
        "TransferKit.Engine.Torch::UseDeterministicAlgorithms",
        "TransferKit.Engine.Torch::set_NumThreads",
        "TransferKit.Engine.NativeMethods::tk_release_file_buffers",
        "System.Environment::SetEnvironmentVariable",
        "System.Environment::get_WorkingSet",
        "System.Environment::set_CurrentDirectory",
        "System.IO.Directory::SetCurrentDirectory",
    ];

    private static bool InSerialCollection(Type type) =>
        type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CollectionAttribute)
                                                && a.ConstructorArguments.Count == 1
                                                && Equals(a.ConstructorArguments[0].Value, SerialCollection.Name));

    [Fact]
    public void TestsThatTouchProcessWideStateRunInTheSerialCollection()
    {
        // Read from the test assembly's IL: a class whose code (lambdas and iterators included) uses
        // one of these members must not run beside other tests.
        var used = DependencyScanner.ScanMembers(typeof(TestConventionTests).Assembly.Location, "TransferKit.Tests");
        var offenders = new List<string>();
        foreach (var type in TestClasses())
        {
            var hits = used.GetValueOrDefault(type.FullName!)?.Intersect(ProcessWideMembers).Order(StringComparer.Ordinal).ToList() ?? [];
            if (hits.Count > 0 && !InSerialCollection(type))
                offenders.Add($"{type.FullName}: uses {string.Join(", ", hits)} outside [Collection(SerialCollection.Name)]");
        }
        Assert.True(offenders.Count == 0, "Tests that read or change process-wide state run beside others:\n" + string.Join("\n", offenders));

        // The scan sees such uses (here: ChecksumTests empties the file-buffer pool, OwnershipTests counts tensors).
        Assert.Contains("TransferKit.Engine.NativeMethods::tk_release_file_buffers", used["TransferKit.Tests.Serialization.ChecksumTests"]);
        Assert.Contains("TransferKit.Engine.Torch::get_LiveTensorCount", used["TransferKit.Tests.Engine.OwnershipTests"]);
    }

    [Fact]
    public void TheChecksSeeTheTraitsOfThisAssembly()
    {
        // The checks above read real attribute data: this class is found, with its one category.
        Assert.Contains(typeof(TestConventionTests), TestClasses());
        Assert.Equal([("Category", "Unit")], Traits(typeof(TestConventionTests)).ToArray());
        Assert.Contains(typeof(LayeringTests), TestClasses());
    }
}
