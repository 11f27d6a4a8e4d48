namespace TransferKit.Reports;

/// <summary>Where the reported run stands.</summary>
public enum RunStatus
{
    /// <summary>Training has not started (no epoch yet).</summary>
    NotStarted,

    /// <summary>Training is running; the report is rewritten after every epoch.</summary>
    Running,

    /// <summary>Every planned epoch ran.</summary>
    Completed,

    /// <summary>A callback stopped training early (e.g. early stopping).</summary>
    StoppedEarly,

    /// <summary>The run was cancelled; the report shows the epochs completed before.</summary>
    Cancelled,
}
