using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// An error reported by libtorch (or by the native shim around it). <see cref="Exception.Message"/>
/// carries libtorch's own message without the C++ backtrace, e.g.
/// <c>mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)</c>.
/// </summary>
public class TorchException : Exception
{
    /// <summary>Creates an exception with the given message.</summary>
    public TorchException(string message) : base(message) { NativeMessage = message; }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    public TorchException(string message, Exception innerException) : base(message, innerException) { NativeMessage = message; }

    /// <summary>Creates an exception whose message is a cleaned form of <paramref name="nativeMessage"/>.</summary>
    private protected TorchException(string message, string nativeMessage) : base(message) { NativeMessage = nativeMessage; }

    /// <summary>The complete text the native side reported, before trimming.</summary>
    public string NativeMessage { get; }

    /// <summary>
    /// Builds the exception for the last native failure on this thread: a
    /// <see cref="TorchOutOfMemoryException"/> or <see cref="TorchDeviceException"/> where the shim
    /// classified it so, else a plain <see cref="TorchException"/>.
    /// </summary>
    internal static TorchException FromLastError()
    {
        string raw = Marshal.PtrToStringUTF8(NativeMethods.tk_last_error()) ?? "unknown native error";
        return NativeMethods.tk_last_error_kind() switch
        {
            1 => new TorchOutOfMemoryException(Clean(raw), raw),
            2 => new TorchDeviceException(Clean(raw), raw),
            _ => new TorchException(Clean(raw), raw),
        };
    }

    /// <summary>
    /// Keeps the useful first lines: drops c10's "Exception raised from ..." trailer and any
    /// backtrace frames that follow it.
    /// </summary>
    internal static string Clean(string raw)
    {
        int cut = raw.IndexOf("Exception raised from", StringComparison.Ordinal);
        string text = cut >= 0 ? raw[..cut] : raw;
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "unknown native error" : string.Join(Environment.NewLine, lines.Take(8));
    }
}

/// <summary>
/// The native parts TransferKit needs (its shim <c>libTransferKitNative.so</c> or libtorch itself)
/// could not be loaded. The message says what is missing and how to install it.
/// </summary>
public sealed class TorchNativeLoadException : TorchException
{
    /// <summary>Creates the exception.</summary>
    public TorchNativeLoadException(string message, Exception? innerException = null)
        : base(message, innerException ?? new DllNotFoundException(message)) { }
}

/// <summary>
/// A device ran out of memory (PyTorch's <c>torch.cuda.OutOfMemoryError</c>). The process and the
/// device stay usable: free tensors (or lower the batch size) and try again.
/// </summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    internal TorchOutOfMemoryException(string message, string nativeMessage) : base(message, nativeMessage) { }
}

/// <summary>
/// The GPU reported an error: a device-side assert (for example a class index out of range in a
/// loss), an illegal memory access, a failed kernel launch, or a cuDNN/cuBLAS failure. The process
/// stays alive, but after a device-side assert CUDA's context on that device is unusable until the
/// process restarts (a CUDA rule, as in PyTorch): save what you need and exit.
/// </summary>
public sealed class TorchDeviceException : TorchException
{
    internal TorchDeviceException(string message, string nativeMessage) : base(message, nativeMessage) { }
}
