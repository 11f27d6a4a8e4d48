namespace TransferKit.Cli.Commands;

/// <summary>Checks of the paths commands read, so a wrong path gives one line naming it.</summary>
public static class InputFiles
{
    /// <summary>Returns <paramref name="path"/> when the file exists; else throws <see cref="CliInputException"/> naming it as <paramref name="what"/>.</summary>
    public static string Existing(string path, string what)
    {
        if (File.Exists(path)) return path;
        throw new CliInputException(Directory.Exists(path)
            ? $"the {what} {Path.GetFullPath(path)} is a folder, not a file"
            : $"the {what} {Path.GetFullPath(path)} does not exist");
    }
}
