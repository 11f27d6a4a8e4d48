using System.Reflection;
using System.Text.RegularExpressions;

namespace TransferKit.Reports.Tests;

/// <summary>
/// The rules that tests/TransferKit.Tests/Conventions/TestConventionTests enforces there, applied to
/// this assembly: one known class-level Category trait per test class (none on methods), test
/// methods named in PascalCase sentences. (No test here touches process-wide state: none seeds the
/// global generator, sets environment variables or counts live tensors, so there is no serial collection.)
/// </summary>
[Trait("Category", "Unit")]
public partial class ConventionTests
{
    private static readonly HashSet<string> Known = ["Unit", "Parity", "Integration"];

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();

    /// <summary>Test methods (any xunit Fact or Theory, including the prerequisite attributes) by class.</summary>
    private static ILookup<Type, MethodInfo> Tests { get; } = typeof(ConventionTests).Assembly.DefinedTypes
        .Where(t => t.IsClass && !t.IsAbstract)
        .SelectMany(t => t.DeclaredMethods.Where(m => m.IsDefined(typeof(FactAttribute), inherit: true)).Select(m => (Type: (Type)t, Method: m)))
        .ToLookup(p => p.Type, p => p.Method);

    private static string[] CategoryValues(MemberInfo member) => member.GetCustomAttributesData()
        .Where(a => a.AttributeType == typeof(TraitAttribute) && Equals(a.ConstructorArguments[0].Value, "Category"))
        .Select(a => (string)a.ConstructorArguments[1].Value!)
        .ToArray();

    [Fact]
    public void EveryTestClassHasExactlyOneKnownCategory()
    {
        Assert.True(Tests.Count >= 5, $"the reflection found {Tests.Count} test classes");
        var offenders = Tests
            .Where(g => CategoryValues(g.Key) is not [var only] || !Known.Contains(only) || g.Any(m => CategoryValues(m).Length > 0))
            .Select(g => g.Key.FullName)
            .ToList();
        Assert.True(offenders.Count == 0, "need exactly one class-level [Trait(\"Category\", Unit|Parity|Integration)]: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TestMethodsAreNamedInPascalCaseSentences()
    {
        var offenders = Tests.SelectMany(g => g).Where(m => !PascalCase().IsMatch(m.Name)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();
        Assert.True(offenders.Count == 0, "not PascalCase: " + string.Join(", ", offenders));
    }
}
