using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/ops_models.cpp (ops used by TransferKit.Models).
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int tk_bernoulli_(TensorHandle t, double p);
}
