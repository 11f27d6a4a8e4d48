using System.CommandLine;
using System.Globalization;
using TransferKit.Cli.Output;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary>
/// <c>transferkit train &lt;folder&gt; --model resnet18 --epochs 5 --out model.tkmodel</c>: fastai-style
/// fine-tuning (<see cref="ImageClassifier"/>) with a checkpoint after every epoch and on Ctrl+C, which
/// <c>--resume</c> continues.
/// </summary>
public static class TrainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var common = new ModelOptions();
        var epochs = new Option<int>("--epochs", "-e") { Description = "Epochs with every layer trained, after the head's epochs.", DefaultValueFactory = _ => 5 };
        var headEpochs = new Option<int>("--head-epochs") { Description = "Epochs training only the new head on the frozen backbone first.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Base learning rate (the head's; earlier layers get less).", DefaultValueFactory = _ => 2e-3 };
        var output = new Option<string>("--out", "-o") { Description = "The model package to write (.tkmodel).", DefaultValueFactory = _ => "model.tkmodel" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Training checkpoint, written after every epoch and on Ctrl+C (default: <out>.ckpt); removed after a successful run." };
        var resume = new Option<bool>("--resume") { Description = "Continue the interrupted run from its checkpoint (same folder and options)." };
        var validation = new Option<double>("--val-fraction") { Description = "Share of each class held out for validation when there is no val/ folder.", DefaultValueFactory = _ => 0.2 };
        var command = new Command("train", "Fine-tune a classifier on an image folder and save it as a model package.");
        common.AddTo(command);
        foreach (var option in new Option[] { epochs, headEpochs, lr, output, checkpoint, resume, validation }) command.Add(option);
        var reportPath = ReportHook.CreateOption();
        command.Add(reportPath);

        command.SetAction(parse => CommandRunner.Run(token =>
        {
            string folder = common.FolderOf(parse);
            string outPath = parse.GetValue(output)!;
            string checkpointPath = parse.GetValue(checkpoint) ?? outPath + ".ckpt";
            bool resuming = parse.GetValue(resume);
            if (resuming && !File.Exists(checkpointPath))
                throw new CliInputException($"--resume: the checkpoint {Path.GetFullPath(checkpointPath)} does not exist (pass --checkpoint if it is elsewhere)");
            var options = common.ToClassifierOptions(parse) with { ValidationFraction = parse.GetValue(validation) };
            string architecture = parse.GetValue(common.Model)!;
            int epochCount = parse.GetValue(epochs);
            if (epochCount < 1) throw new CliInputException($"--epochs must be at least 1 (was {epochCount})");
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } outFolder && !Directory.Exists(outFolder))
                throw new CliInputException($"the folder of --out {Path.GetFullPath(outPath)} does not exist");
            // Reads the folder before anything is printed: an empty or invalid folder fails here, with one line.
            var (_, heldOutData) = ImageClassifier.Datasets(folder, options);

            return Terminal.WithProgress("train", bar =>
            {
                var log = new TrainingLog(bar);
                // The report evaluates the final model on the images the run holds out (for its top losses).
                var heldOut = parse.GetValue(reportPath) is null || heldOutData is null ? null : new HeldOutImages(heldOutData, options.Loader);
                var report = ReportHook.ForTraining(parse.GetValue(reportPath), architecture, folder, Settings(parse, command), heldOut);
                var callbacks = new TrainerCallback?[] { log, heldOut, report }.OfType<TrainerCallback>().ToArray();
                options = options with
                {
                    FineTune = new FineTuneOptions
                    {
                        FreezeEpochs = parse.GetValue(headEpochs),
                        BaseLearningRate = parse.GetValue(lr),
                        Trainer = new TrainerOptions { CheckpointPath = checkpointPath, Callbacks = callbacks },
                    },
                };
                Terminal.Line($"{(resuming ? "resuming" : "training")} {architecture} on {Path.GetFullPath(folder)}");
                TransferModel model;
                try
                {
                    model = resuming
                        ? ImageClassifier.Resume(checkpointPath, architecture, folder, epochCount, options, log, token)
                        : ImageClassifier.FineTune(architecture, folder, epochCount, options, log, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    if (File.Exists(checkpointPath))
                        Terminal.Note($"cancelled; checkpoint {Path.GetFullPath(checkpointPath)} written: continue with the same command and --resume");
                    else Terminal.Note("cancelled before the first checkpoint");
                    throw;
                }
                using (model)
                {
                    model.Save(outPath);
                    Terminal.Line(string.Create(CultureInfo.InvariantCulture, $"saved {Path.GetFullPath(outPath)} ({model.Labels.Count} classes: {string.Join(", ", model.Labels)})"));
                }
                if (report is not null) Terminal.Line($"report {report.Path}");
                File.Delete(checkpointPath);
                return ExitCodes.Ok;
            });
        }));
        return command;
    }

    /// <summary>The command line's values by option name, for the report's settings table.</summary>
    private static IReadOnlyDictionary<string, string> Settings(ParseResult parse, Command command)
    {
        var settings = new Dictionary<string, string> { ["command"] = "transferkit " + string.Join(" ", parse.Tokens.Select(t => t.Value)) };
        foreach (var option in command.Options)
            if (parse.GetResult(option) is { } result && !result.Implicit)
                settings[option.Name] = string.Join(" ", result.Tokens.Select(t => t.Value)) is { Length: > 0 } v ? v : "true";
        return settings;
    }
}
