using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCaseOrderer("TransferKit.Tests.SeededOrder", "TransferKit.Tests")]
[assembly: TestCollectionOrderer("TransferKit.Tests.SeededOrder", "TransferKit.Tests")]

namespace TransferKit.Tests;

/// <summary>
/// Test order for order-independence checks: with <c>TRANSFERKIT_TEST_ORDER_SEED=n</c> the test
/// collections and the tests inside each class run in an order shuffled by <c>n</c> (the serial
/// collection's tests included); without it, a fixed order (by display name). Tests must pass in
/// every order (docs/testing.md).
/// </summary>
public sealed class SeededOrder : ITestCaseOrderer, ITestCollectionOrderer
{
    public const string SeedVariable = "TRANSFERKIT_TEST_ORDER_SEED";

    private static int? Seed => int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out int seed) ? seed : null;

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        Order(testCases, t => t.UniqueID);

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        Order(testCollections, c => c.DisplayName);

    private static List<T> Order<T>(IEnumerable<T> items, Func<T, string> key)
    {
        var list = items.OrderBy(key, StringComparer.Ordinal).ToList();
        if (Seed is { } seed)
        {
            var rng = new Random(seed);
            for (int k = list.Count - 1; k > 0; k--)
            {
                int j = rng.Next(k + 1);
                (list[k], list[j]) = (list[j], list[k]);
            }
        }
        return list;
    }
}
