using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>Settings of a <see cref="GradScaler"/>; PyTorch's defaults.</summary>
public sealed record GradScalerOptions
{
    /// <summary>The first loss scale (65536).</summary>
    public double InitialScale { get; init; } = 65536.0;
    /// <summary>Factor applied to the scale after <see cref="GrowthInterval"/> steps without inf/NaN gradients (2).</summary>
    public double GrowthFactor { get; init; } = 2.0;
    /// <summary>Factor applied to the scale after a step with inf/NaN gradients (0.5).</summary>
    public double BackoffFactor { get; init; } = 0.5;
    /// <summary>Clean steps between growths (2000).</summary>
    public int GrowthInterval { get; init; } = 2000;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        new OptionsCheck(nameof(GradScalerOptions))
            .Require(InitialScale > 0 && double.IsFinite(InitialScale), $"InitialScale must be positive and finite (got {InitialScale})")
            .Require(GrowthFactor > 1, $"GrowthFactor must be > 1 (got {GrowthFactor})")
            .Require(BackoffFactor > 0 && BackoffFactor < 1, $"BackoffFactor must be in (0, 1) (got {BackoffFactor})")
            .Require(GrowthInterval >= 1, $"GrowthInterval must be >= 1 (got {GrowthInterval})")
            .ThrowIfAny();
    }
}

/// <summary>
/// Dynamic loss scaling for float16 mixed precision, PyTorch's <c>torch.cuda.amp.GradScaler</c>:
/// <see cref="Scale"/> multiplies the loss before backward so that small float16 gradients do not
/// flush to zero; <see cref="Step"/> divides the gradients by the scale and applies the optimizer
/// step only when none of them is inf or NaN; <see cref="Update"/> then halves the scale after an
/// overflow and doubles it after <see cref="GradScalerOptions.GrowthInterval"/> clean steps.
/// On CUDA it uses libtorch's fused kernels (<c>_amp_foreach_non_finite_check_and_unscale_</c>,
/// <c>_amp_update_scale_</c>); on the CPU the same arithmetic op by op. The scale lives on the
/// gradients' device; the one host read per step is <see cref="Step"/>'s overflow check, as in PyTorch.
/// </summary>
/// <example>
/// <code>
/// using var scaler = new GradScaler();
/// using (Torch.Autocast(Device.Cuda, ScalarType.Float16)) loss = criterion(model.Forward(x), y);
/// scaler.Scale(loss).Backward();
/// scaler.Step(optimizer);
/// scaler.Update();
/// </code>
/// </example>
public sealed class GradScaler : IDisposable
{
    private readonly GradScalerOptions _options;
    private Tensor? _scale, _growthTracker, _foundInf;
    private bool _unscaled;

    /// <summary>Creates a scaler (defaults: <see cref="GradScalerOptions"/>).</summary>
    public GradScaler(GradScalerOptions? options = null)
    {
        _options = options ?? new GradScalerOptions();
        _options.Validate();
        CurrentScale = _options.InitialScale;
    }

    /// <summary>The loss scale, as of the last <see cref="Update"/> (reads the device value).</summary>
    public double CurrentScale { get; private set; }

    /// <summary>How many <see cref="Step"/> calls were skipped because of inf/NaN gradients.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>The loss multiplied by the current scale (a new tensor; call Backward on it).</summary>
    public Tensor Scale(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        EnsureState(loss.Device);
        return loss.Mul(_scale!);
    }

    /// <summary>
    /// Divides the gradients of <paramref name="optimizer"/>'s parameters by the scale in place (once
    /// per step), e.g. before gradient clipping; <see cref="Step"/> does it when not done yet.
    /// </summary>
    public unsafe void Unscale_(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_unscaled) throw new InvalidOperationException("Unscale_ was already called since the last Update.");
        var grads = optimizer.ParamGroups.SelectMany(g => g.Parameters).Select(p => p.Grad).OfType<Tensor>().ToList();
        try
        {
            if (grads.Count > 0)
            {
                EnsureState(grads[0].Device);
                using var noGrad = Torch.NoGrad();
                using var inv = _scale!.Pow(-1.0);
                using var handles = new HandleArray(grads);
                fixed (IntPtr* p = handles.Raw)
                    Tensor.Check(NativeMethods.tk_amp_unscale_(p, handles.Raw.Length, _foundInf!.Handle, inv.Handle));
            }
        }
        finally
        {
            foreach (var g in grads) g.Dispose();
        }
        _unscaled = true;
    }

    /// <summary>
    /// Unscales the gradients if <see cref="Unscale_"/> was not called, then runs
    /// <paramref name="optimizer"/>'s step unless a gradient holds inf or NaN. Returns whether the
    /// step ran.
    /// </summary>
    public bool Step(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!_unscaled) Unscale_(optimizer);
        bool overflow = _foundInf is { } f && f.Item<float>() != 0;
        if (overflow) SkippedSteps++;
        else optimizer.Step();
        return !overflow;
    }

    /// <summary>Adjusts the scale for the next iteration and clears this step's overflow flag.</summary>
    public void Update()
    {
        if (_scale is null) return;
        Tensor.Check(NativeMethods.tk_amp_update_scale_(_scale.Handle, _growthTracker!.Handle, _foundInf!.Handle,
            _options.GrowthFactor, _options.BackoffFactor, _options.GrowthInterval));
        _foundInf.Zero_();
        _unscaled = false;
        CurrentScale = _scale.Item<float>();
    }

    /// <summary>The scaler's state for checkpoints: the scale and the count of clean steps.</summary>
    public (double Scale, long GrowthTracker) GetState() =>
        _scale is null ? (CurrentScale, 0) : (_scale.Item<float>(), _growthTracker!.Item<int>());

    /// <summary>Restores <see cref="GetState"/>'s values (the tensors are recreated on the next use).</summary>
    public void SetState(double scale, long growthTracker)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "must be positive and finite");
        DisposeState();
        CurrentScale = scale;
        _pendingTracker = growthTracker;
    }

    private long _pendingTracker;

    private void EnsureState(Device device)
    {
        if (_scale is not null)
        {
            if (_scale.Device != device)
                throw new InvalidOperationException($"The scaler's state is on {_scale.Device} but the loss or gradients are on {device}.");
            return;
        }
        _scale = Torch.Full(new long[] { 1 }, CurrentScale, ScalarType.Float32, device).DetachFromDisposeScope();
        _growthTracker = Torch.Full(new long[] { 1 }, _pendingTracker, ScalarType.Int32, device).DetachFromDisposeScope();
        _foundInf = Torch.Zeros(new long[] { 1 }, ScalarType.Float32, device).DetachFromDisposeScope();
    }

    private void DisposeState()
    {
        _scale?.Dispose();
        _growthTracker?.Dispose();
        _foundInf?.Dispose();
        _scale = _growthTracker = _foundInf = null;
        _unscaled = false;
    }

    /// <summary>Frees the scaler's tensors.</summary>
    public void Dispose() => DisposeState();
}
