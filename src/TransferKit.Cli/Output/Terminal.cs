using Spectre.Console;

namespace TransferKit.Cli.Output;

/// <summary>
/// Where output goes: results on stdout (plain text or JSON a script can read), live progress bars
/// on stderr only when stderr is a terminal, errors as one line on stderr.
/// </summary>
public static class Terminal
{
    /// <summary>True when stderr is a terminal, so progress bars can be drawn there (plain lines otherwise).</summary>
    public static bool Interactive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TRANSFERKIT_NO_PROGRESS") is null or "" or "0";

    /// <summary>The console that draws progress bars (on stderr).</summary>
    public static IAnsiConsole Progress { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    private static volatile bool _live;

    /// <summary>
    /// Writes a result line to stdout; while bars are drawn on the same terminal, through the
    /// progress console so the line lands above the bars instead of under their redraw.
    /// </summary>
    public static void Line(string text = "")
    {
        if (_live && !Console.IsOutputRedirected) Progress.WriteLine(text);
        else Console.Out.WriteLine(text);
    }

    /// <summary>Writes the one-line error message to stderr.</summary>
    public static void Error(string text) => Console.Error.WriteLine($"transferkit: error: {text}");

    /// <summary>Writes a note (not a result) to stderr.</summary>
    public static void Note(string text) => Console.Error.WriteLine($"transferkit: {text}");

    /// <summary>
    /// Runs <paramref name="work"/> with a progress sink: Spectre.Console bars on an interactive
    /// stderr, nothing per step otherwise (commands print their own summary lines).
    /// </summary>
    public static T WithProgress<T>(string title, Func<IProgressBar, T> work)
    {
        if (!Interactive) return work(NoBar.Instance);
        T result = default!;
        Progress.Progress().AutoClear(true).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _live = true;
                try
                {
                    result = work(new SpectreBar(ctx, title));
                }
                finally
                {
                    _live = false;
                }
            });
        return result;
    }

    private sealed class NoBar : IProgressBar
    {
        public static readonly NoBar Instance = new();
        public void Update(string description, double done, double total) { }
    }

    /// <summary>One bar, relabelled as the work moves on (e.g. from epoch to epoch).</summary>
    private sealed class SpectreBar(ProgressContext context, string title) : IProgressBar
    {
        private ProgressTask? _task;

        public void Update(string description, double done, double total)
        {
            string text = Markup.Escape($"{title}: {description}");
            _task ??= context.AddTask(text, maxValue: Math.Max(total, 1));
            _task.Description = text;
            _task.MaxValue = Math.Max(total, 1);
            _task.Value = Math.Min(done, _task.MaxValue);
        }
    }
}

/// <summary>A progress bar that commands update (a no-op when output is redirected).</summary>
public interface IProgressBar
{
    /// <summary>Shows <paramref name="done"/> of <paramref name="total"/> under <paramref name="description"/>.</summary>
    void Update(string description, double done, double total);
}
