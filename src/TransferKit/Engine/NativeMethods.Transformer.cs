using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/ops_transformer.cpp (embedding, attention).
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_embedding(TensorHandle weight, TensorHandle indices, long paddingIdx);
    [LibraryImport(Library)] internal static partial IntPtr tk_scaled_dot_product_attention(TensorHandle q, TensorHandle k, TensorHandle v, IntPtr mask, double dropoutP, int training);
}
