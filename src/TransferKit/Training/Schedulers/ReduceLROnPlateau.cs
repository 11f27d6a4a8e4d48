namespace TransferKit.Training;

/// <summary>
/// Lowers the learning rate by <c>factor</c> when a monitored metric stops improving for
/// <c>patience</c> epochs (PyTorch's ReduceLROnPlateau, relative threshold mode). Call
/// <see cref="Step(double)"/> once per epoch with the validation metric.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly bool _maximize;
    private readonly double _factor, _threshold, _minLr, _eps;
    private readonly int _patience, _cooldown;
    private int _cooldownCounter;

    /// <summary>Creates the scheduler.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, bool maximize = false, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (factor is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "must be in (0, 1)");
        _maximize = maximize;
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _cooldown = cooldown;
        _minLr = minLr;
        _eps = eps;
        Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>The optimizer whose rates are lowered.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Best metric seen.</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Records one epoch's metric; lowers the rates after <c>patience</c> epochs without improvement.</summary>
    public void Step(double metric)
    {
        bool improved = _maximize ? metric > Best * (1 + _threshold) : metric < Best * (1 - _threshold);
        if (double.IsInfinity(Best)) improved = true;
        if (improved)
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            BadEpochs = 0;
        }
        if (BadEpochs > _patience)
        {
            foreach (var g in Optimizer.ParamGroups)
            {
                double lowered = Math.Max(g.LearningRate * _factor, _minLr);
                if (g.LearningRate - lowered > _eps) g.LearningRate = lowered;
            }
            _cooldownCounter = _cooldown;
            BadEpochs = 0;
        }
    }
}
