using TransferKit.Tests.Fixtures;
using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>Loads free what they do not hand out, including when they fail part-way.</summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class SerializationMemoryTests
{
    [Fact]
    public void FailedLoadsFreeEverythingTheyCreated()
    {
        using var sd = TestTensors.AllKinds();
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, sd);
        // Damage the last storage record, so that the earlier ones load before the failure.
        byte[] bad = Corrupt(stream.ToArray());

        long before = SerialCollection.SettledLiveTensorCount();
        Assert.Throws<CheckpointFormatException>(() => TorchSerializer.Load(new MemoryStream(bad), "bad.pth"));
        Assert.Equal(before, TensorHandle.LiveCount);

        // The same inside a dispose scope.
        using (var scope = Torch.NewDisposeScope())
            Assert.Throws<CheckpointFormatException>(() => TorchSerializer.LoadStateDict(new MemoryStream(bad), "bad.pth"));
        Assert.Equal(before, TensorHandle.LiveCount);
    }

    [Fact]
    public void LoadsInsideADisposeScopeAreFreedWithIt()
    {
        using var sd = TestTensors.AllKinds();
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, sd);
        long before = SerialCollection.SettledLiveTensorCount();
        using (var scope = Torch.NewDisposeScope())
        {
            stream.Position = 0;
            var loaded = TorchSerializer.Load(stream);
            Assert.Equal(sd.Count, scope.Count);
        }
        Assert.Equal(before, TensorHandle.LiveCount);
    }

    /// <summary>Flips a byte in the middle of the last storage record (its CRC then fails).</summary>
    private static byte[] Corrupt(byte[] zip)
    {
        var copy = (byte[])zip.Clone();
        // The last record's data lies just before the local header (30 bytes, then the name) of archive/version.
        int versionHeader = copy.AsSpan().IndexOf("archive/version"u8) - 30;
        copy[versionHeader - 3] ^= 0x5A;
        return copy;
    }

    /// <summary>The tests of this class that need the PyTorch reference (their own category).</summary>
    [Collection(SerialCollection.Name)]
    [Trait("Category", "Parity")]
    public class WithPyTorch
    {
        [PyTorchTheory]
        [InlineData("zip")]
        [InlineData("legacy")]
        public void LoadStateDictFreesTheRestOfACheckpoint(string format)
        {
            string path = SerializationFixtures.Fixtures.PathOf($"checkpoint_{format}.pth");
            long before = SerialCollection.SettledLiveTensorCount();
            using (var sd = TorchSerializer.LoadStateDict(path))
            {
                Assert.Equal(3, sd.Count);
                Assert.Equal(before + 3, TensorHandle.LiveCount); // the optimizer's momentum buffer and the storages are gone
            }
            Assert.Equal(before, TensorHandle.LiveCount);
        }
    }
}
