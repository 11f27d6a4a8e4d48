using System.Reflection;
using System.Text.RegularExpressions;

namespace TransferKit.Tests.Conventions;

/// <summary>
/// Conventions of this test assembly, checked by reflection: every class with tests carries exactly
/// one <c>[Trait("Category", X)]</c> with X one of <see cref="Categories"/> (so that
/// <c>dotnet test --filter Category=Unit</c> selects a well-defined subset), no test method adds a
/// category of its own, and test methods are named in PascalCase sentences.
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

    [Fact]
    public void TheChecksSeeTheTraitsOfThisAssembly()
    {
        // The checks above read real attribute data: this class is found, with its one category.
        Assert.Contains(typeof(TestConventionTests), TestClasses());
        Assert.Equal([("Category", "Unit")], Traits(typeof(TestConventionTests)).ToArray());
        Assert.Contains(typeof(LayeringTests), TestClasses());
    }
}
