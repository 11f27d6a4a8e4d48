using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using TransferKit.Serialization;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>Format features PyTorch 1.13 no longer writes, built byte by byte from the format's description.</summary>
[Trait("Category", "Unit")]
public class HandmadeFormatTests
{
    private static byte[] Pickle(Action<PickleWriter> body)
    {
        var w = new PickleWriter();
        w.Proto(2);
        body(w);
        w.Stop();
        return w.ToArray();
    }

    /// <summary>_rebuild_tensor_v2(pid, offset, size, stride, False, OrderedDict()) with the given persistent id.</summary>
    private static void Tensor(PickleWriter w, Action writePid, long offset, long size)
    {
        w.Global("torch._utils", "_rebuild_tensor_v2");
        w.Mark();
        writePid();
        w.BinPersId();
        w.Int(offset);
        w.Int(size);
        w.TupleOf(1);
        w.Int(1);
        w.TupleOf(1);
        w.Bool(false);
        w.Global("collections", "OrderedDict");
        w.EmptyTuple();
        w.Reduce();
        w.TupleFromMark();
        w.Reduce();
    }

    [Fact]
    public void LegacyStorageViewsLoadAsSlicesOfTheirRoot()
    {
        // PyTorch before 1.0 pickled storage views: ('storage', type, root_key, location, root_size, (view_key, offset, view_size)).
        void Pid(PickleWriter w, string viewKey, long viewOffset, long viewSize)
        {
            w.Mark();
            w.Unicode("storage");
            w.Global("torch", "FloatStorage");
            w.Unicode("root");
            w.Unicode("cpu");
            w.Int(6);
            w.Unicode(viewKey);
            w.Int(viewOffset);
            w.Int(viewSize);
            w.TupleOf(3);
            w.TupleFromMark();
        }
        var file = new MemoryStream();
        file.Write(Pickle(w => w.Long(BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.AllowHexSpecifier))));
        file.Write(Pickle(w => w.Int(1001)));
        file.Write(Pickle(w => { w.EmptyDict(); w.Mark(); w.Unicode("little_endian"); w.Bool(true); w.SetItems(); }));
        file.Write(Pickle(w =>
        {
            w.EmptyList();
            w.Mark();
            Tensor(w, () => Pid(w, "v1", 2, 3), offset: 1, size: 2); // root[2 + 1 .. 2 + 3)
            Tensor(w, () => Pid(w, "v2", 0, 6), offset: 0, size: 6);
            w.Appends();
        }));
        file.Write(Pickle(w => { w.EmptyList(); w.Mark(); w.Unicode("root"); w.Appends(); }));
        var data = new byte[8 + 6 * 4];
        BinaryPrimitives.WriteInt64LittleEndian(data, 6);
        for (int k = 0; k < 6; k++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8 + 4 * k), 10 + k);
        file.Write(data);
        file.Position = 0;

        using var scope = Torch.NewDisposeScope();
        var list = Assert.IsType<List<object?>>(TorchSerializer.Load(file, "old.pth"));
        var slice = Assert.IsType<Tensor>(list[0]);
        var whole = Assert.IsType<Tensor>(list[1]);
        Assert.Equal([13f, 14f], slice.ToArray<float>());
        Assert.Equal([10f, 11, 12, 13, 14, 15], whole.ToArray<float>());
        Assert.Equal(TensorExpectations.StorageId(slice), TensorExpectations.StorageId(whole));

        // A view reaching past its root is refused.
        file.Position = 0;
        var bytes = file.ToArray();
        int at = bytes.AsSpan().IndexOf("v1"u8) + 2;     // the view's offset (BININT1 2) follows its key
        Assert.Equal(PickleOp.BinInt1, bytes[at]);
        bytes[at + 1] = 5;                                 // offset 5 + size 3 > 6
        var e = Assert.Throws<CheckpointFormatException>(() => TorchSerializer.Load(new MemoryStream(bytes), "old.pth"));
        Assert.Contains("outside storage 'root'", e.Message);
    }

    [Fact]
    public void BigEndianZipRecordsAreSwapped()
    {
        // PyTorch 2.1+ records the writer's byte order; data from a big-endian machine is swapped on load.
        using var scope = Torch.NewDisposeScope();
        var values = new[] { 1.5f, -2f, 1e-30f };
        var longs = new[] { 1L, -2L, long.MaxValue };
        var saved = new MemoryStream();
        TorchSerializer.SaveStateDict(saved, new StateDict { { "f", Torch.FromArray(values) }, { "l", Torch.FromArray(longs) } });
        var swapped = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(saved.ToArray())))
        using (var target = new ZipArchive(swapped, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var data = new MemoryStream();
                using (var s = entry.Open()) s.CopyTo(data);
                var bytes = data.ToArray();
                if (entry.FullName.EndsWith("data/0", StringComparison.Ordinal)) StorageIO.SwapBytes(bytes, 4);
                if (entry.FullName.EndsWith("data/1", StringComparison.Ordinal)) StorageIO.SwapBytes(bytes, 8);
                using var t = target.CreateEntry(entry.FullName).Open();
                t.Write(bytes);
            }
            using var order = target.CreateEntry("archive/byteorder").Open();
            order.Write("big"u8);
        }
        swapped.Position = 0;
        using var sd = TorchSerializer.LoadStateDict(swapped, "big.pth");
        Assert.Equal(values, sd["f"].ToArray<float>());
        Assert.Equal(longs, sd["l"].ToArray<long>());
    }

    [Fact]
    public void DeflatedZipEntriesLoad()
    {
        // torch.save stores entries uncompressed, but re-zipped files may deflate them.
        using var scope = Torch.NewDisposeScope();
        var values = Enumerable.Range(0, 1000).Select(i => (float)(i % 7)).ToArray();
        var saved = new MemoryStream();
        TorchSerializer.SaveStateDict(saved, new StateDict { { "w", Torch.FromArray(values) } });
        byte[] deflated = PickleBytes.RewriteZip(saved.ToArray(), (_, data) => data, CompressionLevel.Optimal);
        Assert.True(deflated.Length < saved.Length / 2);
        using var sd = TorchSerializer.LoadStateDict(new MemoryStream(deflated), "deflated.pth");
        Assert.Equal(values, sd["w"].ToArray<float>());
    }
}
