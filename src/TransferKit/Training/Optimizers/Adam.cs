using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Adam (Kingma and Ba), computing what PyTorch's <c>torch.optim.Adam</c> computes: weight decay
/// is added to the gradient (L2). See <see cref="AdamW"/> for decoupled weight decay.
/// </summary>
public class Adam : Optimizer
{
    private readonly bool _decoupledWeightDecay;

    /// <summary>Creates the optimizer over one group of parameters.</summary>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : this(new[] { new ParamGroup(parameters) }, learningRate, beta1, beta2, eps, weightDecay) { }

    /// <summary>Creates the optimizer over parameter groups.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : this(groups, learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay: false) { }

    /// <summary>For <see cref="AdamW"/>.</summary>
    private protected Adam(IEnumerable<ParamGroup> groups, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool decoupledWeightDecay)
        : base(groups, learningRate, weightDecay)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        _decoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    protected override int StateSize => 3; // step count, exp_avg, exp_avg_sq

    /// <inheritdoc />
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Tensor?[] state)
    {
        var step = state[0] ?? Keep(state, 0, Torch.Zeros(ReadOnlySpan<long>.Empty, ScalarType.Float64));
        var expAvg = state[1] ?? Keep(state, 1, Torch.Zeros(parameter.Shape, parameter.Dtype, parameter.Device));
        var expAvgSq = state[2] ?? Keep(state, 2, Torch.Zeros(parameter.Shape, parameter.Dtype, parameter.Device));
        step.Add_(1);
        double t = step.Item<double>();

        if (_decoupledWeightDecay) parameter.Mul_(1 - group.LearningRate * group.WeightDecay);
        else if (group.WeightDecay != 0) grad = grad.Add(parameter.Mul(group.WeightDecay));

        expAvg.Mul_(Beta1).Add_(grad, alpha: 1 - Beta1);
        expAvgSq.Mul_(Beta2).AddCMul_(grad, grad, value: 1 - Beta2);
        double biasCorrection1 = 1 - Math.Pow(Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(Beta2, t);
        double stepSize = group.LearningRate / biasCorrection1;
        var denom = expAvgSq.Sqrt().Div(Math.Sqrt(biasCorrection2)).Add_(Eps);
        parameter.AddCDiv_(expAvg, denom, value: -stepSize);
    }
}

/// <summary>
/// AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, as PyTorch's
/// <c>torch.optim.AdamW</c> (default weight decay 0.01).
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer over one group of parameters.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
        : this(new[] { new ParamGroup(parameters) }, learningRate, beta1, beta2, eps, weightDecay) { }

    /// <summary>Creates the optimizer over parameter groups.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
        : base(groups, learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay: true) { }
}
