using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>
/// Batch normalisation with learnable affine parameters and running statistics
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>).
/// In training mode it normalises with batch statistics and updates the running ones; in
/// evaluation mode (or when <see cref="UseRunningStatsInTraining"/> is set, Keras's rule for frozen
/// layers) it uses the running statistics.
/// </summary>
public abstract class BatchNorm : Module
{
    private readonly int[] _acceptedRanks;

    /// <summary>Creates the layer: weight 1, bias 0, running mean 0, running variance 1.</summary>
    protected BatchNorm(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, params int[] acceptedRanks)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "must be positive");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        _acceptedRanks = acceptedRanks;
        RegisterParameter("weight", affine ? Torch.Ones(new[] { numFeatures }, ScalarType.Float32) : null);
        RegisterParameter("bias", affine ? Torch.Zeros(new[] { numFeatures }, ScalarType.Float32) : null);
        RegisterBuffer("running_mean", trackRunningStats ? Torch.Zeros(new[] { numFeatures }, ScalarType.Float32) : null);
        RegisterBuffer("running_var", trackRunningStats ? Torch.Ones(new[] { numFeatures }, ScalarType.Float32) : null);
        RegisterBuffer("num_batches_tracked", trackRunningStats ? Torch.Zeros(ReadOnlySpan<long>.Empty, ScalarType.Int64) : null);
    }

    /// <summary>Channels normalised.</summary>
    public long NumFeatures { get; }
    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }
    /// <summary>Running-statistics update factor; null means a cumulative average (PyTorch's momentum=None).</summary>
    public double? Momentum { get; }

    /// <summary>
    /// When true, the layer normalises with its running statistics and leaves them unchanged even
    /// in training mode: BatchNorm "in inference mode" while the rest of the model trains.
    /// </summary>
    public bool UseRunningStatsInTraining { get; set; }

    /// <summary>Scale γ, or null when not affine.</summary>
    public Tensor? Weight => GetParameter("weight");
    /// <summary>Shift β, or null when not affine.</summary>
    public Tensor? Bias => GetParameter("bias");
    /// <summary>Running mean, or null when not tracked.</summary>
    public Tensor? RunningMean => GetBuffer("running_mean");
    /// <summary>Running variance, or null when not tracked.</summary>
    public Tensor? RunningVar => GetBuffer("running_var");
    /// <summary>Batches seen in training (int64 scalar), or null when not tracked.</summary>
    public Tensor? NumBatchesTracked => GetBuffer("num_batches_tracked");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        int rank = input.NDim;
        if (!_acceptedRanks.Contains(rank))
            throw new ArgumentException($"{TypeName} expects a {string.Join(" or ", _acceptedRanks)}-D input; got [{string.Join(", ", input.Shape)}].", nameof(input));

        bool tracking = RunningMean is not null;
        bool useBatchStats = (Training && !UseRunningStatsInTraining) || !tracking;
        double factor = Momentum ?? 0;
        if (Training && !UseRunningStatsInTraining && tracking)
        {
            NumBatchesTracked!.Add_(1);
            if (Momentum is null) factor = 1.0 / NumBatchesTracked.Item<long>();
        }
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, factor, Eps);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Eps}, momentum={(Momentum is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "None")}, affine={Weight is not null}, track_running_stats={RunningMean is not null}";
}

/// <summary>Batch normalisation over [N, C] or [N, C, L] inputs (<c>nn.BatchNorm1d</c>).</summary>
public sealed class BatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm1d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, 2, 3) { }
}

/// <summary>Batch normalisation over [N, C, H, W] inputs (<c>nn.BatchNorm2d</c>).</summary>
public sealed class BatchNorm2d : BatchNorm
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, 4) { }
}
