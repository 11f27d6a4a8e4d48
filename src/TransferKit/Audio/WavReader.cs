using System.Buffers.Binary;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>How the samples of a WAV file are stored.</summary>
public enum WavSampleFormat
{
    /// <summary>Integer PCM: unsigned 8-bit, or signed little-endian 16, 24 or 32-bit.</summary>
    Pcm,

    /// <summary>IEEE float, 32 or 64-bit.</summary>
    IeeeFloat,
}

/// <summary>The header facts of a WAV file.</summary>
/// <param name="Format">Integer PCM or IEEE float.</param>
/// <param name="Channels">Number of channels.</param>
/// <param name="SampleRate">Samples per second (Hz).</param>
/// <param name="BitsPerSample">Bits of each stored sample (8, 16, 24, 32 or 64).</param>
/// <param name="Frames">Number of frames (samples per channel).</param>
/// <param name="Extensible">True when the header is <c>WAVE_FORMAT_EXTENSIBLE</c>.</param>
public sealed record WavInfo(WavSampleFormat Format, int Channels, int SampleRate, int BitsPerSample, long Frames, bool Extensible);

/// <summary>
/// Reads RIFF/WAVE files: integer PCM of 8 (unsigned), 16, 24 and 32 bits, IEEE float of 32 and 64
/// bits, in the plain or the <c>WAVE_FORMAT_EXTENSIBLE</c> header, any number of channels and any
/// sample rate. Samples become float32 [channels, frames] scaled as torchaudio's
/// <c>load(normalize=True)</c> does: integers divided by 2^(bits-1) (8-bit: (x - 128) / 128), floats
/// clamped to [-1, 1] (NaN stays NaN). One deliberate difference: 32-bit integers are rounded once,
/// to the nearest float32, where torchaudio's sox backend first rounds them to 25 bits (so its
/// values can differ by up to 2^-25).
/// </summary>
/// <remarks>
/// Every problem with a file's content is a <see cref="DataFormatException"/> naming the file: a
/// compressed or unknown encoding (<see cref="DataErrorKind.UnsupportedFormat"/>), a file that ends
/// before the data its chunks announce (<see cref="DataErrorKind.Truncated"/>), inconsistent or
/// missing headers (<see cref="DataErrorKind.Corrupt"/>). Sizes read from the file are checked
/// against the bytes actually present before anything is allocated, so a damaged header cannot
/// make the reader allocate more than a few times the file's own size. Chunks other than
/// <c>fmt </c> and <c>data</c> (LIST, fact, cue...) are skipped; a RIFF size that disagrees with
/// the file's length is tolerated (streaming writers leave it wrong), and a data size of
/// 0xFFFFFFFF means "to the end of the file".
/// </remarks>
public static class WavReader
{
    private const ushort FormatPcm = 0x0001;
    private const ushort FormatFloat = 0x0003;
    private const ushort FormatExtensible = 0xFFFE;

    // The 14 bytes that follow the format code in a KSDATAFORMAT_SUBTYPE GUID (…-0000-0010-8000-00AA00389B71).
    private static ReadOnlySpan<byte> SubtypeTail => new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };

    /// <summary>Reads and decodes a WAV file.</summary>
    /// <exception cref="DataFormatException">The content is damaged or of an unsupported kind; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AudioClip Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Decode(ReadBytes(path), path);
    }

    /// <summary>Reads only the header facts of a WAV file (the data is not decoded).</summary>
    /// <exception cref="DataFormatException">The content is damaged or of an unsupported kind; the message names the file.</exception>
    public static WavInfo ReadInfo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(ReadBytes(path), path).Info;
    }

    /// <summary>Decodes WAV bytes held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="fileName">How to name the data in error messages (a path); null for "&lt;N bytes in memory&gt;".</param>
    /// <exception cref="DataFormatException">The content is damaged or of an unsupported kind.</exception>
    public static AudioClip Decode(ReadOnlySpan<byte> data, string? fileName = null)
    {
        var (info, offset) = Parse(data, fileName);
        int channels = info.Channels;
        long frames = info.Frames;
        var samples = new float[checked(frames * channels)];
        ConvertInterleaved(data.Slice(offset, checked((int)(frames * channels * (info.BitsPerSample / 8)))), info, samples);
        return new AudioClip(Torch.FromArray(samples, channels, frames), info.SampleRate);
    }

    /// <summary>Header facts of WAV bytes held in memory.</summary>
    /// <exception cref="DataFormatException">The content is damaged or of an unsupported kind.</exception>
    public static WavInfo DecodeInfo(ReadOnlySpan<byte> data, string? fileName = null) => Parse(data, fileName).Info;

    private static byte[] ReadBytes(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
            throw Error(path, length, DataErrorKind.TooLarge, $"the file holds {length} bytes, more than the {Array.MaxLength} a WAV file may have here");
        return File.ReadAllBytes(path);
    }

    /// <summary>Walks the chunks; returns the header facts and where the sample data starts.</summary>
    private static (WavInfo Info, int DataOffset) Parse(ReadOnlySpan<byte> file, string? name)
    {
        long length = file.Length;
        if (length < 12)
            throw Error(name, length, DataErrorKind.Truncated, $"the file holds {length} bytes, fewer than the 12 of a RIFF/WAVE header");
        if (!file[..4].SequenceEqual("RIFF"u8))
        {
            string what = file[..4].SequenceEqual("RF64"u8) ? "an RF64 file (64-bit WAV), which is not supported"
                : file[..4].SequenceEqual("RIFX"u8) ? "a big-endian RIFX file, which is not supported"
                : $"not a WAV file: it starts with {Hex(file[..4])}, not 'RIFF'";
            throw Error(name, length, file[..4].SequenceEqual("RF64"u8) || file[..4].SequenceEqual("RIFX"u8) ? DataErrorKind.UnsupportedFormat : DataErrorKind.Corrupt, what);
        }
        if (!file.Slice(8, 4).SequenceEqual("WAVE"u8))
            throw Error(name, length, DataErrorKind.UnsupportedFormat, $"a RIFF file of type {Hex(file.Slice(8, 4))}, not 'WAVE'");

        WavInfo? info = null;
        long pos = 12;
        while (pos + 8 <= length)
        {
            var id = file.Slice((int)pos, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice((int)pos + 4, 4));
            long body = pos + 8;
            long available = length - body;
            if (id.SequenceEqual("data"u8))
            {
                if (info is null)
                    throw Error(name, length, DataErrorKind.Corrupt, "the 'data' chunk comes before any 'fmt ' chunk");
                long bytes = size == uint.MaxValue ? available : size;
                if (bytes > available)
                    throw Error(name, length, DataErrorKind.Truncated,
                        $"the 'data' chunk announces {bytes} bytes but only {available} follow (offset {body})");
                int frameBytes = info.Channels * (info.BitsPerSample / 8);
                if (bytes % frameBytes != 0)
                    throw Error(name, length, DataErrorKind.Corrupt,
                        $"the 'data' chunk holds {bytes} bytes, not a whole number of {frameBytes}-byte frames ({info.Channels} channels of {info.BitsPerSample} bits)");
                return (info with { Frames = bytes / frameBytes }, (int)body);
            }
            if (size > available)
                throw Error(name, length, DataErrorKind.Truncated,
                    $"the '{ChunkName(id)}' chunk at offset {pos} announces {size} bytes but only {available} follow");
            if (id.SequenceEqual("fmt "u8))
            {
                if (info is not null)
                    throw Error(name, length, DataErrorKind.Corrupt, "the file has two 'fmt ' chunks");
                info = ParseFormat(file.Slice((int)body, (int)size), name, length);
            }
            pos = body + size + (size & 1);  // chunks are padded to an even size
        }
        throw Error(name, length, DataErrorKind.Corrupt, info is null ? "the file has no 'fmt ' chunk and no 'data' chunk" : "the file has no 'data' chunk");
    }

    private static WavInfo ParseFormat(ReadOnlySpan<byte> fmt, string? name, long length)
    {
        if (fmt.Length < 16)
            throw Error(name, length, DataErrorKind.Corrupt, $"the 'fmt ' chunk holds {fmt.Length} bytes, fewer than the 16 of a format header");
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        bool extensible = tag == FormatExtensible;
        if (extensible)
        {
            if (fmt.Length < 40)
                throw Error(name, length, DataErrorKind.Corrupt, $"the WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk holds {fmt.Length} bytes, fewer than 40");
            int validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
            var guid = fmt.Slice(24, 16);
            if (!guid[2..].SequenceEqual(SubtypeTail))
                throw Error(name, length, DataErrorKind.UnsupportedFormat, $"the WAVE_FORMAT_EXTENSIBLE sub-format {Hex(guid)} is not a PCM or IEEE float GUID");
            if (validBits > bits)
                throw Error(name, length, DataErrorKind.Corrupt, $"{validBits} valid bits per sample in a {bits}-bit container");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(guid);
        }
        var format = tag switch
        {
            FormatPcm => WavSampleFormat.Pcm,
            FormatFloat => WavSampleFormat.IeeeFloat,
            _ => throw Error(name, length, DataErrorKind.UnsupportedFormat, $"the sample encoding {EncodingName(tag)} is not supported (only PCM and IEEE float)"),
        };
        bool bitsOk = format == WavSampleFormat.Pcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
        if (!bitsOk)
            throw Error(name, length, DataErrorKind.UnsupportedFormat,
                $"{bits}-bit {(format == WavSampleFormat.Pcm ? "PCM" : "float")} samples are not supported ({(format == WavSampleFormat.Pcm ? "8, 16, 24 or 32" : "32 or 64")} bits are)");
        if (channels == 0)
            throw Error(name, length, DataErrorKind.Corrupt, "the header announces 0 channels");
        if (rate == 0 || rate > int.MaxValue)
            throw Error(name, length, DataErrorKind.Corrupt, $"the header announces a sample rate of {rate} Hz");
        if (blockAlign != channels * (bits / 8))
            throw Error(name, length, DataErrorKind.Corrupt,
                $"the block alignment is {blockAlign} bytes but {channels} channels of {bits} bits make {channels * (bits / 8)}");
        return new WavInfo(format, channels, (int)rate, bits, 0, extensible);
    }

    /// <summary>Scales and de-interleaves <paramref name="raw"/> into channel-major <paramref name="output"/>.</summary>
    private static void ConvertInterleaved(ReadOnlySpan<byte> raw, WavInfo info, Span<float> output)
    {
        int channels = info.Channels;
        long frames = info.Frames;
        int width = info.BitsPerSample / 8;
        for (long f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                var s = raw.Slice((int)((f * channels + c) * width), width);
                float v = (info.Format, width) switch
                {
                    (WavSampleFormat.Pcm, 1) => (s[0] - 128) / 128f,
                    (WavSampleFormat.Pcm, 2) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                    (WavSampleFormat.Pcm, 3) => ((s[0] << 8 | s[1] << 16 | s[2] << 24) >> 8) / 8388608f,
                    (WavSampleFormat.Pcm, _) => (float)(BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0),
                    (_, 4) => Math.Clamp(BinaryPrimitives.ReadSingleLittleEndian(s), -1f, 1f),
                    _ => (float)Math.Clamp(BinaryPrimitives.ReadDoubleLittleEndian(s), -1.0, 1.0),
                };
                output[(int)(c * frames + f)] = v;
            }
        }
    }

    private static string EncodingName(ushort tag) => tag switch
    {
        0x0002 => "Microsoft ADPCM (0x0002)",
        0x0006 => "A-law (0x0006)",
        0x0007 => "mu-law (0x0007)",
        0x0011 => "IMA ADPCM (0x0011)",
        0x0055 => "MPEG layer 3 (0x0055)",
        _ => $"0x{tag:X4}",
    };

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
            if (b < 0x20 || b > 0x7E) return "0x" + Convert.ToHexString(id);
        return System.Text.Encoding.ASCII.GetString(id);
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexString(bytes);

    private static DataFormatException Error(string? name, long length, DataErrorKind kind, string reason)
    {
        string described = DataFormatException.Describe(name, length);
        return new DataFormatException($"Cannot read WAV file '{described}': {reason}", name, kind, null, reason);
    }
}
