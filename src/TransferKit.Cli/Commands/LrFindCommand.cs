using System.CommandLine;
using System.Globalization;
using TransferKit.Cli.Output;
using TransferKit.Data;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary>
/// <c>transferkit lr-find &lt;folder&gt; --model resnet18</c>: the learning-rate range test
/// (<see cref="LearningRateFinder"/>) on the new head with the backbone frozen, as <c>train</c>'s
/// first stage trains it; prints the curve's summary and the suggested rate for <c>train --lr</c>.
/// </summary>
public static class LrFindCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var common = new ModelOptions();
        var steps = new Option<int>("--steps") { Description = "Batches in the sweep.", DefaultValueFactory = _ => 100 };
        var start = new Option<double>("--start-lr") { Description = "First rate.", DefaultValueFactory = _ => 1e-7 };
        var end = new Option<double>("--end-lr") { Description = "Last rate.", DefaultValueFactory = _ => 10 };
        var report = ReportHook.CreateOption();
        var command = new Command("lr-find", "Sweep the learning rate over a few batches and suggest one for train --lr.");
        common.AddTo(command);
        foreach (var option in new Option[] { steps, start, end, report }) command.Add(option);
        command.SetAction(parse => CommandRunner.Run(token =>
        {
            string folder = common.FolderOf(parse);
            var options = common.ToClassifierOptions(parse);
            string root = Directory.Exists(Path.Combine(folder, "train")) ? Path.Combine(folder, "train") : folder;
            var dataset = new ImageFolderDataset(root);
            if (dataset.Classes.Count < 2) throw new CliInputException($"{Path.GetFullPath(root)} needs at least two class folders (has {dataset.Classes.Count})");
            string architecture = parse.GetValue(common.Model)!;
            var builder = options.Pretrained
                ? ModelBuilder.FromPretrained(architecture, dataset.Classes, weightsFile: options.WeightsFile)
                : ModelBuilder.FromArchitecture(architecture, dataset.Classes.Count).ReplaceHead(dataset.Classes);
            if (options.Preprocessing is { } preprocessing) builder.WithPreprocessing(preprocessing);
            using var model = builder.FreezeBackbone().Build();
            var loader = new DataLoader(dataset, options.Loader with { Shuffle = true, Seed = (ulong)options.Seed }, model.Preprocessing.TrainTransform());
            int stepCount = parse.GetValue(steps);
            var result = Terminal.WithProgress("lr-find", bar =>
            {
                bar.Update("sweeping", 0, stepCount);
                return LearningRateFinder.Run(model, loader, m => new AdamW(m.TrainableParameters(), parse.GetValue(start)),
                    parse.GetValue(start), parse.GetValue(end), stepCount, cancellationToken: token);
            });
            Print(result);
            if (parse.GetValue(report) is { } path)
            {
                ReportHook.WriteLearningRateFinder(path, architecture, result);
                Terminal.Line($"report {Path.GetFullPath(path)}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(LearningRateFinderResult result)
    {
        var c = CultureInfo.InvariantCulture;
        int every = Math.Max(1, result.LearningRates.Count / 10);
        Terminal.Line("lr        smoothed loss");
        for (int k = 0; k < result.LearningRates.Count; k += every)
            Terminal.Line(string.Create(c, $"{result.LearningRates[k],-9:0.0e+00} {result.Losses[k]:0.0000}"));
        if (result.Diverged) Terminal.Line("the loss diverged at the end of the sweep (the sweep stopped there)");
        Terminal.Line(string.Create(c, $"suggested learning rate: {result.Suggested:0.0e+00}"));
    }
}
