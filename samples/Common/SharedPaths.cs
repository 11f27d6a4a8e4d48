/// <summary>
/// Finds the project's shared folder (data sets, trained weights) for the samples: the first
/// <c>shared/&lt;folder&gt;/&lt;name&gt;</c> in the current directory or one of its parents. Samples
/// also take explicit paths as arguments.
/// </summary>
internal static class SharedPaths
{
    public static string Find(string folder, string name)
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", folder, name);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Cannot find shared/{folder}/{name} above {Environment.CurrentDirectory}; pass the path as an argument.");
    }
}
