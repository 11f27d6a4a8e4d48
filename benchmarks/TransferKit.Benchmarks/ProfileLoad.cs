using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// <c>TransferKit.Benchmarks profile-load [PATH]</c>: where the time of
/// <see cref="TorchSerializer.LoadStateDict(string)"/> goes, for the resnet18 weights by default:
/// opening the zip directory, reading the entries' bytes, their CRC-32, allocating the tensors and
/// copying the bytes into them, against the whole call. Each part is timed alone (median of 15 after 3 warm-up runs).
/// </summary>
public static class ProfileLoad
{
    /// <summary>Runs the profile; returns the process exit code.</summary>
    public static unsafe int Run(string[] args)
    {
        string path = args.Length > 0 ? args[0] : TrainingWorkloadsPaths.Weights();
        Torch.NumThreads = 2;
        long total = 0;
        var entries = new List<(long Offset, long Length)>();
        using (var zip = ZipFile.OpenRead(path))
            foreach (var e in zip.Entries)
                if (e.FullName.Contains("/data/", StringComparison.Ordinal)) total += e.Length;
        var buffer = new byte[1 << 20];
        Report("whole LoadStateDict", () => TorchSerializer.LoadStateDict(path).Dispose());
        using (var model = TransferKit.Models.ResNet.ResNet18(5))
        {
            Report("LoadStateDict + Module.LoadStateDict", () =>
            {
                using var sd = TorchSerializer.LoadStateDict(path);
                model.LoadStateDict(sd);
            });
            Report("TorchSerializer.LoadStateDictInto", () => TorchSerializer.LoadStateDictInto(model, path));
        }
        Report("zip directory only", () =>
        {
            using var zip = ZipFile.OpenRead(path);
            _ = zip.Entries.Count;
        });
        Report("read every data entry (1 MB chunks)", () =>
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var e in zip.Entries)
            {
                if (!e.FullName.Contains("/data/", StringComparison.Ordinal)) continue;
                using var s = e.Open();
                while (s.Read(buffer) > 0) { }
            }
        });
        Report("unpickle data.pkl (no tensor data)", () =>
        {
            using var zip = ZipFile.OpenRead(path);
            var pkl = zip.Entries.First(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            var bytes = new byte[pkl.Length];
            using (var s = pkl.Open()) s.ReadExactly(bytes);
            new PickleReader(new MemoryStream(bytes), path, "data.pkl", pid =>
            {
                var t = (object?[])pid!;
                return new StorageRef((string)t[2]!, ((PyGlobal)t[1]!).Dtype, (long)t[4]!);
            }).Load();
        });
        var all = new byte[total];
        Report($"CRC-32 of {total / 1e6:F1} MB", () => Crc32.Compute(all));
        Report("Empty tensors + copy the bytes in", () =>
        {
            using var scope = Torch.NewDisposeScope();
            using var zip = ZipFile.OpenRead(path);
            foreach (var e in zip.Entries)
            {
                if (!e.FullName.Contains("/data/", StringComparison.Ordinal)) continue;
                var t = Torch.Empty([e.Length], ScalarType.Byte);
                for (long done = 0; done < e.Length; done += buffer.Length)
                {
                    int n = (int)Math.Min(buffer.Length, e.Length - done);
                    fixed (byte* p = buffer) Tensor.Check(NativeMethods.tk_storage_write(t.Handle, done, p, n));
                }
            }
        });
        var kept = new List<Tensor>();
        using (var zip = ZipFile.OpenRead(path))
            foreach (var e in zip.Entries)
                if (e.FullName.Contains("/data/", StringComparison.Ordinal)) kept.Add(Torch.Empty([e.Length], ScalarType.Byte));
        Report("copy the bytes into existing tensors", () =>
        {
            foreach (var t in kept)
            {
                long length = t.Size(0);
                for (long done = 0; done < length; done += buffer.Length)
                {
                    int n = (int)Math.Min(buffer.Length, length - done);
                    fixed (byte* p = buffer) Tensor.Check(NativeMethods.tk_storage_write(t.Handle, done, p, n));
                }
            }
        });
        Report("file buffers (tk_empty_huge) + copy bytes in", () =>
        {
            using var scope = Torch.NewDisposeScope();
            foreach (var t in kept)
            {
                var fresh = Tensor.FromNative(NativeMethods.tk_empty_huge(t.Size(0), (int)ScalarType.Byte));
                long length = t.Size(0);
                for (long done = 0; done < length; done += buffer.Length)
                {
                    int n = (int)Math.Min(buffer.Length, length - done);
                    fixed (byte* p = buffer) Tensor.Check(NativeMethods.tk_storage_write(fresh.Handle, done, p, n));
                }
            }
        });
        Report("read every data entry into existing tensors", () =>
        {
            using var zip = ZipFile.OpenRead(path);
            int k = 0;
            foreach (var e in zip.Entries)
            {
                if (!e.FullName.Contains("/data/", StringComparison.Ordinal)) continue;
                var t = kept[k++];
                Tensor.Check(NativeMethods.tk_storage_data(t.Handle, out void* data, out long size));
                using var s = e.Open();
                for (long done = 0; done < size;)
                {
                    int n = (int)Math.Min(1 << 20, size - done);
                    s.ReadExactly(new Span<byte>((byte*)data + done, n));
                    done += n;
                }
            }
        });
        Report("Empty tensors only (then freed)", () =>
        {
            using var scope = Torch.NewDisposeScope();
            foreach (var t in kept) Torch.Empty([t.Size(0)], ScalarType.Byte);
        });
        foreach (var t in kept) t.Dispose();
        return 0;
    }

    private static void Report(string what, Action action)
    {
        for (int k = 0; k < 3; k++) action();
        var ms = new double[15];
        for (int k = 0; k < ms.Length; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            ms[k] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(ms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-40} median {ms[ms.Length / 2],8:F2} ms  (min {ms[0]:F2}, max {ms[^1]:F2})"));
    }
}
