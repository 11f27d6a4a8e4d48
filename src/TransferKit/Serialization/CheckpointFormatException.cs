namespace TransferKit.Serialization;

/// <summary>
/// A weights file (<c>.pth</c>, <c>.pt</c>, <c>.safetensors</c>) is corrupt, truncated, or uses a
/// feature TransferKit does not read. <see cref="Exception.Message"/> names the file and says what
/// was wrong, e.g. <c>Cannot load 'model.pth': data.pkl at byte 1234: truncated pickle (needed 8
/// bytes, 3 left)</c>.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, the closest match, is
/// sealed) because the problem lies in the file read, not in the caller's arguments: code that
/// already handles I/O failures of a load handles this one too. Any error met while reading a file, including one reported by
/// libtorch while building a tensor from it, arrives as this type (or
/// <see cref="UnsafePickleException"/>), with the original exception, if any, as
/// <see cref="Exception.InnerException"/>. A missing file is still a
/// <see cref="FileNotFoundException"/>.
/// </remarks>
public class CheckpointFormatException : IOException
{
    /// <summary>Creates the exception for a file and a description of what is wrong with it.</summary>
    /// <param name="sourceName">The file (or stream) name the problem was found in.</param>
    /// <param name="detail">What was wrong, without the file name.</param>
    /// <param name="innerException">The exception that revealed the problem, if any.</param>
    public CheckpointFormatException(string sourceName, string detail, Exception? innerException = null)
        : base($"Cannot load '{sourceName}': {detail}", innerException)
    {
        SourceName = sourceName;
        Detail = detail;
    }

    /// <summary>The file (or stream) name the problem was found in.</summary>
    public string SourceName { get; }

    /// <summary>What was wrong, without the file name.</summary>
    public string Detail { get; }
}

/// <summary>
/// A pickle inside a <c>.pth</c> file refers to a Python global that TransferKit's safe unpickler
/// does not allow (anything other than tensors, storages and plain containers), such as
/// <c>posix.system</c> or <c>builtins.eval</c>. Nothing from the file is ever executed: TransferKit
/// only interprets pickles; the file is refused as soon as the global is read.
/// </summary>
public sealed class UnsafePickleException : CheckpointFormatException
{
    /// <summary>Creates the exception for a refused global.</summary>
    /// <param name="sourceName">The file (or stream) name.</param>
    /// <param name="globalName">The refused global as <c>module.name</c>.</param>
    /// <param name="detail">The full explanation, without the file name.</param>
    public UnsafePickleException(string sourceName, string globalName, string detail)
        : base(sourceName, detail)
    {
        GlobalName = globalName;
    }

    /// <summary>The refused global as <c>module.name</c>, e.g. <c>posix.system</c>.</summary>
    public string GlobalName { get; }
}
