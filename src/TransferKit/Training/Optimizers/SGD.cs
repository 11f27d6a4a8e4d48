using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
/// computing exactly what PyTorch's <c>torch.optim.SGD</c> computes.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer over one group of parameters.</summary>
    public SGD(IEnumerable<Tensor> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : this(new[] { new ParamGroup(parameters) }, learningRate, momentum, dampening, weightDecay, nesterov) { }

    /// <summary>Creates the optimizer over parameter groups (unset group rates take <paramref name="learningRate"/>).</summary>
    public SGD(IEnumerable<ParamGroup> groups, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(groups, learningRate, weightDecay)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening.", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Dampening for momentum.</summary>
    public double Dampening { get; }
    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override int StateSize => 1;

    /// <summary>
    /// The whole group in one native call with libtorch's foreach kernels (PyTorch's
    /// <c>SGD(foreach=True)</c>, its default on GPUs): a few kernel launches instead of several per parameter.
    /// </summary>
    protected override void StepGroup(ParamGroup group) => Apply(group, group.Parameters);

    /// <inheritdoc />
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Tensor?[] state) => Apply(group, new[] { parameter });

    /// <summary>
    /// d = g + wd·p; buf = d (first step) or momentum·buf + (1 − dampening)·d; d = nesterov ? d + momentum·buf : buf;
    /// p −= lr·d, for each of <paramref name="parameters"/> that has a gradient (tk_sgd_foreach_).
    /// </summary>
    private unsafe void Apply(ParamGroup group, IReadOnlyList<Tensor> parameters)
    {
        var buffers = new Tensor?[parameters.Count];
        for (int k = 0; k < parameters.Count; k++) buffers[k] = State(parameters[k])[0];
        var fresh = new IntPtr[parameters.Count];
        using (var p = new HandleArray(parameters))
        using (var b = new HandleArray(buffers))
        fixed (IntPtr* pp = p.Raw)
        fixed (IntPtr* bp = b.Raw)
        fixed (IntPtr* fp = fresh)
            Tensor.Check(NativeMethods.tk_sgd_foreach_(pp, parameters.Count, bp, fp, group.LearningRate, Momentum, Dampening,
                group.WeightDecay, Nesterov ? 1 : 0));
        for (int k = 0; k < fresh.Length; k++)
            if (fresh[k] != IntPtr.Zero) Keep(State(parameters[k]), 0, Tensor.FromNative(fresh[k]));
    }
}
