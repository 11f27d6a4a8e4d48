namespace TransferKit.Data;

/// <summary>
/// Which sample indices go to training and which to validation in a seeded split, for every kind of
/// dataset: a shuffled cut, or one per class so that both parts keep the class proportions.
/// </summary>
internal static class SplitPlan
{
    /// <summary>Shuffles 0..count-1 with <paramref name="seed"/>; the first round(count × fraction) go to validation.</summary>
    public static (int[] Train, int[] Validation) Random(int count, double validationFraction, int seed)
    {
        CheckFraction(validationFraction);
        var order = Enumerable.Range(0, count).ToArray();
        new System.Random(seed).Shuffle(order);
        int validation = (int)Math.Round(count * validationFraction);
        return (order[validation..], order[..validation]);
    }

    /// <summary>
    /// Splits each class separately (round(class count × fraction) of each to validation, classes in
    /// label order, one generator); both parts in ascending index order.
    /// </summary>
    public static (int[] Train, int[] Validation) Stratified(int count, Func<int, long> labelOf, double validationFraction, int seed)
    {
        CheckFraction(validationFraction);
        var rng = new System.Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, count).GroupBy(labelOf).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            rng.Shuffle(members);
            int take = (int)Math.Round(members.Length * validationFraction);
            validation.AddRange(members[..take]);
            train.AddRange(members[take..]);
        }
        train.Sort();
        validation.Sort();
        return (train.ToArray(), validation.ToArray());
    }

    private static void CheckFraction(double fraction)
    {
        if (fraction is <= 0 or >= 1 || double.IsNaN(fraction))
            throw new ArgumentOutOfRangeException("validationFraction", fraction, "the validation fraction must be in (0, 1)");
    }
}
