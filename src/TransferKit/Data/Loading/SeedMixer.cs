namespace TransferKit.Data;

/// <summary>Derives independent, reproducible seeds from (seed, epoch, index) with SplitMix64.</summary>
internal static class SeedMixer
{
    public static int Mix(ulong seed, long a, long b = 0)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(a + 1) + 0xBF58476D1CE4E5B9UL * (ulong)(b + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
