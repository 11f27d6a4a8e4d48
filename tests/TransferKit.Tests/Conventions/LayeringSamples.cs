// Deliberate layer violations, read by LayeringTests.TheScanSeesUsesInSignaturesMethodBodiesAndCompilerGeneratedTypes
// to show that the layering check can fail. Not tests themselves.
#pragma warning disable CA1822
namespace TransferKit.Tests.LayeringSamples.High
{
    internal sealed class Top
    {
        public static int Value => 1;
    }
}

namespace TransferKit.Tests.LayeringSamples.Mid1
{
    internal static class Side
    {
        public static int Use() => Mid2.OtherSide.Value;
    }

    internal static class Allowed
    {
        public static int Use() => Low.Fine.Value; // a later layer may use an earlier one
    }
}

namespace TransferKit.Tests.LayeringSamples.Mid2
{
    internal static class OtherSide
    {
        public static int Value => 2;
    }
}

namespace TransferKit.Tests.LayeringSamples.Low
{
    internal static class Fine
    {
        public static int Value => 3;
    }

    /// <summary>Only a method body (a static property call) uses the higher layer.</summary>
    internal static class InABody
    {
        public static int Use() => High.Top.Value;
    }

    /// <summary>Only a lambda (a compiler-generated closure class) uses it.</summary>
    internal static class InALambda
    {
        public static Func<int> Use() => () => High.Top.Value;
    }

    /// <summary>Only an iterator (a compiler-generated state machine) uses it.</summary>
    internal static class InAnIterator
    {
        public static IEnumerable<int> Use()
        {
            yield return High.Top.Value;
        }
    }

    /// <summary>Only a parameter type uses it.</summary>
    internal static class InASignature
    {
        public static bool Use(High.Top? top) => top is null;
    }

    /// <summary>Only a generic argument of a field's type uses it.</summary>
    internal sealed class InAGenericArgument
    {
        public List<High.Top> Items { get; } = new();
    }
}
