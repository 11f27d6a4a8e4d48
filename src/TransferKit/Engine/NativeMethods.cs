using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// The whole P/Invoke surface of the native shim (src/TransferKit.Native), in one place.
/// Functions returning <see cref="IntPtr"/> return a new tensor handle or zero on failure;
/// functions returning <see cref="int"/> return 0 on success and 1 on failure. Either way the
/// failure's message is read with <see cref="tk_last_error"/> (see <see cref="TorchException"/>).
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "TransferKitNative";

    // Runs before the first native call: from then on the resolver finds the shim (or explains why not).
    static NativeMethods() => NativeLibraryLoader.Register();

    // ---- runtime services ----
    [LibraryImport(Library)] internal static partial IntPtr tk_last_error();
    [LibraryImport(Library)] internal static partial IntPtr tk_torch_version();
    [LibraryImport(Library)] internal static partial int tk_abi_version();
    [LibraryImport(Library)] internal static partial int tk_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int tk_get_num_threads();
    [LibraryImport(Library)] internal static partial int tk_set_thread_local_num_threads(int n);
    [LibraryImport(Library)] internal static partial int tk_manual_seed(ulong seed);
    [LibraryImport(Library)] internal static partial int tk_set_deterministic(int enabled, int warnOnly);
    [LibraryImport(Library)] internal static partial int tk_get_deterministic();
    [LibraryImport(Library)] internal static partial int tk_cuda_is_available();
    [LibraryImport(Library)] internal static partial int tk_cuda_device_count();
    [LibraryImport(Library)] internal static partial int tk_cuda_synchronize(int deviceIndex);
    [LibraryImport(Library)] internal static partial int tk_set_cudnn_benchmark(int enabled);
    [LibraryImport(Library)] internal static partial int tk_get_cudnn_benchmark();
    [LibraryImport(Library)] internal static partial int tk_cuda_manual_seed_all(ulong seed);
    [LibraryImport(Library)] internal static partial int tk_last_error_kind();
    [LibraryImport(Library)] internal static partial int tk_set_grad_enabled(int enabled);
    [LibraryImport(Library)] internal static partial int tk_is_grad_enabled();

    // ---- lifetime, creation, inspection ----
    [LibraryImport(Library)] internal static partial void tk_tensor_free(IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr tk_empty(long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_zeros(long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_ones(long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_full(long* shape, int ndim, double d, long i, int kind, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_arange(double start, double end, double step, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_rand(long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_randn(long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad);
    [LibraryImport(Library)] internal static partial IntPtr tk_randint(long low, long high, long* shape, int ndim, int dtype, int devType, int devIndex);
    [LibraryImport(Library)] internal static partial IntPtr tk_from_data(void* data, long nbytes, long* shape, int ndim, int dtype);
    [LibraryImport(Library)] internal static partial int tk_copy_to_buffer(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Library)] internal static partial int tk_item_double(TensorHandle t, out double value);
    [LibraryImport(Library)] internal static partial int tk_item_long(TensorHandle t, out long value);
    [LibraryImport(Library)] internal static partial int tk_dtype(TensorHandle t);
    [LibraryImport(Library)] internal static partial long tk_dim(TensorHandle t);
    [LibraryImport(Library)] internal static partial long tk_numel(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_device_type(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_device_index(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_is_contiguous(TensorHandle t);
    [LibraryImport(Library)] internal static partial long tk_sizes(TensorHandle t, long* sizes, long capacity);
    [LibraryImport(Library)] internal static partial IntPtr tk_to_dtype(TensorHandle t, int dtype);
    [LibraryImport(Library)] internal static partial IntPtr tk_to_device(TensorHandle t, int devType, int devIndex, int nonBlocking);
    [LibraryImport(Library)] internal static partial IntPtr tk_pin_memory(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_is_pinned(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_clone(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_contiguous(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_alias(TensorHandle t);

    // ---- elementwise math ----
    [LibraryImport(Library)] internal static partial IntPtr tk_add(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_sub(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_mul(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_div(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_pow(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_matmul(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_eq(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_ne(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_lt(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_le(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_gt(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_ge(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_maximum(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_minimum(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial IntPtr tk_add_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_sub_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_rsub_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_mul_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_div_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_rdiv_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_pow_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_eq_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_ne_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_lt_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_le_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_gt_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_ge_scalar(TensorHandle a, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial IntPtr tk_neg(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_exp(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_log(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_sqrt(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_abs(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_sign(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_relu(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_sigmoid(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_tanh(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_logical_not(TensorHandle a);
    [LibraryImport(Library)] internal static partial IntPtr tk_clamp(TensorHandle a, int hasMin, double min, int hasMax, double max);
    [LibraryImport(Library)] internal static partial IntPtr tk_where(TensorHandle condition, TensorHandle a, TensorHandle b);

    // ---- in-place ----
    [LibraryImport(Library)] internal static partial int tk_add_(TensorHandle self, TensorHandle other, double alpha);
    [LibraryImport(Library)] internal static partial int tk_add_scalar_(TensorHandle self, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial int tk_mul_(TensorHandle self, TensorHandle other);
    [LibraryImport(Library)] internal static partial int tk_mul_scalar_(TensorHandle self, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial int tk_div_scalar_(TensorHandle self, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial int tk_copy_(TensorHandle self, TensorHandle src);
    [LibraryImport(Library)] internal static partial int tk_relu_(TensorHandle self);
    [LibraryImport(Library)] internal static partial int tk_zero_(TensorHandle self);
    [LibraryImport(Library)] internal static partial int tk_fill_(TensorHandle self, double d, long i, int kind);
    [LibraryImport(Library)] internal static partial int tk_addcmul_(TensorHandle self, TensorHandle t1, TensorHandle t2, double value);
    [LibraryImport(Library)] internal static partial int tk_addcdiv_(TensorHandle self, TensorHandle t1, TensorHandle t2, double value);
    [LibraryImport(Library)] internal static partial int tk_clamp_(TensorHandle self, int hasMin, double min, int hasMax, double max);

    // ---- shape and indexing ----
    [LibraryImport(Library)] internal static partial IntPtr tk_reshape(TensorHandle t, long* shape, int ndim);
    [LibraryImport(Library)] internal static partial IntPtr tk_view(TensorHandle t, long* shape, int ndim);
    [LibraryImport(Library)] internal static partial IntPtr tk_expand(TensorHandle t, long* shape, int ndim);
    [LibraryImport(Library)] internal static partial IntPtr tk_permute(TensorHandle t, long* dims, int ndim);
    [LibraryImport(Library)] internal static partial IntPtr tk_transpose(TensorHandle t, long dim0, long dim1);
    [LibraryImport(Library)] internal static partial IntPtr tk_squeeze(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_squeeze_dim(TensorHandle t, long dim);
    [LibraryImport(Library)] internal static partial IntPtr tk_unsqueeze(TensorHandle t, long dim);
    [LibraryImport(Library)] internal static partial IntPtr tk_flatten(TensorHandle t, long startDim, long endDim);
    [LibraryImport(Library)] internal static partial IntPtr tk_cat(IntPtr* tensors, int count, long dim);
    [LibraryImport(Library)] internal static partial IntPtr tk_stack(IntPtr* tensors, int count, long dim);
    [LibraryImport(Library)] internal static partial IntPtr tk_index_select(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Library)] internal static partial IntPtr tk_narrow(TensorHandle t, long dim, long start, long length);
    [LibraryImport(Library)] internal static partial IntPtr tk_slice(TensorHandle t, long dim, long start, long end, long step);
    [LibraryImport(Library)] internal static partial IntPtr tk_select(TensorHandle t, long dim, long index);
    [LibraryImport(Library)] internal static partial IntPtr tk_masked_select(TensorHandle t, TensorHandle mask);

    // ---- reductions ----
    [LibraryImport(Library)] internal static partial IntPtr tk_sum(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_sum_dims(TensorHandle t, long* dims, int ndims, int keepdim);
    [LibraryImport(Library)] internal static partial IntPtr tk_mean(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_mean_dims(TensorHandle t, long* dims, int ndims, int keepdim);
    [LibraryImport(Library)] internal static partial IntPtr tk_max(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_min(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_max_dim(TensorHandle t, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static partial int tk_min_dim(TensorHandle t, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static partial IntPtr tk_argmax(TensorHandle t, int hasDim, long dim, int keepdim);
    [LibraryImport(Library)] internal static partial int tk_topk(TensorHandle t, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(Library)] internal static partial IntPtr tk_softmax(TensorHandle t, long dim);
    [LibraryImport(Library)] internal static partial IntPtr tk_log_softmax(TensorHandle t, long dim);

    // ---- autograd ----
    [LibraryImport(Library)] internal static partial int tk_requires_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_set_requires_grad(TensorHandle t, int requiresGrad);
    [LibraryImport(Library)] internal static partial int tk_is_leaf(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_backward(TensorHandle t, IntPtr gradient, int retainGraph, int createGraph);
    [LibraryImport(Library)] internal static partial int tk_grad(TensorHandle t, out IntPtr grad);
    [LibraryImport(Library)] internal static partial int tk_clear_grad(TensorHandle t);
    [LibraryImport(Library)] internal static partial IntPtr tk_detach(TensorHandle t);
}
