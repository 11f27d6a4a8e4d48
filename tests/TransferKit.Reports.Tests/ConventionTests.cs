using System.Reflection;
using System.Text.RegularExpressions;

namespace TransferKit.Reports.Tests;

/// <summary>
/// The conventions of tests/TransferKit.Tests (Conventions/TestConventionTests), checked on this
/// assembly: every test class has exactly one known Category trait, no method-level category, and
/// test methods are PascalCase sentences. (No test here touches process-wide state: none seeds the
/// global generator, sets environment variables or counts live tensors.)
/// </summary>
[Trait("Category", "Unit")]
public partial class ConventionTests
{
    private static readonly string[] Known = ["Unit", "Parity", "Integration"];

    private static IEnumerable<Type> TestClasses() =>
        typeof(ConventionTests).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && TestMethods(t).Any());

    private static IEnumerable<MethodInfo> TestMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());

    private static IEnumerable<string> Categories(MemberInfo member) =>
        member.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string)a.ConstructorArguments[0].Value! == "Category")
            .Select(a => (string)a.ConstructorArguments[1].Value!);

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();

    [Fact]
    public void EveryTestClassHasExactlyOneKnownCategory()
    {
        var offenders = TestClasses()
            .Where(t => Categories(t).ToList() is not [var only] || !Known.Contains(only) || TestMethods(t).Any(m => Categories(m).Any()))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(TestClasses().Count() >= 5, "the reflection found too few test classes");
        Assert.True(offenders.Count == 0, "need exactly one class-level [Trait(\"Category\", Unit|Parity|Integration)]: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TestMethodsAreNamedInPascalCaseSentences()
    {
        var offenders = TestClasses().SelectMany(t => TestMethods(t).Where(m => !PascalCase().IsMatch(m.Name)).Select(m => $"{t.Name}.{m.Name}")).ToList();
        Assert.True(offenders.Count == 0, "not PascalCase: " + string.Join(", ", offenders));
    }
}
