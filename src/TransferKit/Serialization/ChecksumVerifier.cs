namespace TransferKit.Serialization;

/// <summary>
/// Checks the CRC-32 of the records of one zip archive while the reader goes on reading: large
/// records are summed on a thread-pool thread, one chunk after another in order, as their bytes
/// land in native memory, so the checksum costs no time on the reading thread when a second core
/// is free. Small records, byte-swapped records and single-core machines are summed inline.
/// </summary>
/// <remarks>
/// The bytes handed to <see cref="RecordChecksum.Append"/> must stay valid and unchanged until
/// <see cref="WaitIdle"/> or <see cref="VerifyAll"/> returns: callers wait before freeing any
/// storage the checksums may still be reading. Used from one reading thread.
/// </remarks>
internal sealed class ChecksumVerifier
{
    /// <summary>Records smaller than this are summed inline (a thread-pool hop costs more than their sum).</summary>
    public const long BackgroundThreshold = 256 * 1024;

    private readonly List<RecordChecksum> _records = [];
    private readonly bool _background = Environment.ProcessorCount > 1;
    private Task _pending = Task.CompletedTask;

    /// <summary>Starts the checksum of a record of <paramref name="length"/> bytes whose zip directory says <paramref name="expected"/>.</summary>
    /// <param name="recordName">The record's name, for the error message.</param>
    /// <param name="expected">The CRC-32 stored in the archive.</param>
    /// <param name="length">The record's size in bytes.</param>
    /// <param name="inline">Sum on the calling thread (needed when the bytes change right after being appended, e.g. byte swaps).</param>
    public RecordChecksum Begin(string recordName, uint expected, long length, bool inline)
    {
        var record = new RecordChecksum(this, recordName, expected, _background && !inline && length >= BackgroundThreshold);
        _records.Add(record);
        return record;
    }

    internal unsafe void Enqueue(Crc32 crc, byte* data, int length)
    {
        var address = (IntPtr)data;
        _pending = _pending.ContinueWith(
            _ => crc.Append(new ReadOnlySpan<byte>((void*)address, length)),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Waits until no checksum is reading memory any more (before freeing storages on a failure).</summary>
    public void WaitIdle() => _pending.Wait();

    /// <summary>Waits for every checksum, then throws for the first record whose CRC-32 does not match.</summary>
    /// <exception cref="InvalidDataException">A record is corrupt.</exception>
    public void VerifyAll()
    {
        WaitIdle();
        foreach (var record in _records)
            if (record.Crc.Value != record.Expected)
                throw Corrupt(record.Name, record.Crc.Value, record.Expected);
    }

    /// <summary>The error for a record whose CRC-32 is not the one its zip directory stores.</summary>
    public static InvalidDataException Corrupt(string recordName, uint actual, uint expected) =>
        new($"the record '{recordName}' is corrupt (CRC-32 {actual:x8}, expected {expected:x8})");
}

/// <summary>The running CRC-32 of one record; see <see cref="ChecksumVerifier"/>.</summary>
internal sealed class RecordChecksum
{
    private readonly ChecksumVerifier _owner;
    private readonly bool _background;

    internal RecordChecksum(ChecksumVerifier owner, string name, uint expected, bool background)
    {
        _owner = owner;
        Name = name;
        Expected = expected;
        _background = background;
    }

    /// <summary>The record's name in the archive.</summary>
    public string Name { get; }

    /// <summary>The CRC-32 the archive stores for the record.</summary>
    public uint Expected { get; }

    internal Crc32 Crc { get; } = new();

    /// <summary>Adds the next bytes of the record (see the owner's remarks on how long they must stay valid).</summary>
    public unsafe void Append(byte* data, int length)
    {
        if (_background) _owner.Enqueue(Crc, data, length);
        else Crc.Append(new ReadOnlySpan<byte>(data, length));
    }

    /// <summary>Waits for any background work of the owner (before the caller frees memory it appended).</summary>
    public void WaitIdle() => _owner.WaitIdle();
}
