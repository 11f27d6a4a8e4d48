using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.Training;

namespace TransferKit.Transfer;

/// <summary>Settings of <see cref="ImageClassifier.FineTune(string, string, int, ImageClassifierOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>; every one has a working default.</summary>
public sealed record ImageClassifierOptions
{
    /// <summary>
    /// Batching and worker threads of both loaders (default: batches of 32, up to 4 workers).
    /// Shuffling and the seed are set by <see cref="ImageClassifier"/>: the training data is
    /// shuffled with <see cref="Seed"/>, the validation data is not.
    /// </summary>
    public DataLoaderOptions Loader { get; init; } = new() { BatchSize = 32, NumWorkers = Math.Clamp(Environment.ProcessorCount, 1, 4) };

    /// <summary>Seed of the training data's shuffling and augmentation, and of the validation split (default 0).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Share of the training images held out (per class) for validation when no validation set
    /// is given and the folder has no <c>val</c> subfolder (default 0.2); 0 trains on everything
    /// without validation.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Start from pretrained weights (default true); false starts from random initialisation.</summary>
    public bool Pretrained { get; init; } = true;

    /// <summary>A catalog tag of the architecture's weights (<see cref="PretrainedCatalog"/>), or null for the default.</summary>
    public string? WeightsTag { get; init; }

    /// <summary>An explicit weights file of the architecture instead of the catalog's, or null.</summary>
    public string? WeightsFile { get; init; }

    /// <summary>Where weights are cached and whether they may be downloaded; null for the defaults.</summary>
    public WeightsResolverOptions? Resolver { get; init; }

    /// <summary>
    /// The preprocessing, or null for the weights' own (ImageNet's at 224 pixels when not pretrained).
    /// The training transform (random resized crop, flip) and the evaluation transform (resize,
    /// centre crop) both derive from it.
    /// </summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>The fine-tuning recipe (optimizer, rates, head epochs, trainer settings); null for its defaults. Its epoch count is replaced by the <c>epochs</c> argument.</summary>
    public FineTuneOptions? FineTune { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting (the loader's and preprocessing's included).</summary>
    public void Validate()
    {
        var check = new OptionsCheck(nameof(ImageClassifierOptions))
            .Require(Loader is not null, "Loader must not be null.")
            .Require(Seed >= 0, $"Seed must be >= 0 (was {Seed}).")
            .Require(ValidationFraction is >= 0 and < 1, $"ValidationFraction must be in [0, 1) (was {ValidationFraction}).")
            .Require(Pretrained || (WeightsTag is null && WeightsFile is null), "WeightsTag and WeightsFile need Pretrained = true.")
            .Require(WeightsFile is null || File.Exists(WeightsFile), $"WeightsFile {WeightsFile} does not exist.");
        check.Include(() => Loader?.Validate(), "Loader")
            .Include(() => Preprocessing?.Validate(), "Preprocessing")
            .Include(() => Resolver?.Validate(), "Resolver")
            .ThrowIfAny();
    }
}

/// <summary>
/// The one-line path of transfer learning, as fastai's <c>vision_learner(dls, resnet18).fine_tune(3)</c>:
/// <code>
/// using var model = ImageClassifier.FineTune("resnet18", "hymenoptera_data", epochs: 3);
/// model.Save("ants-bees.tkmodel");
/// Console.WriteLine(Predictor.Load("ants-bees.tkmodel").Predict("bee.jpg"));
/// </code>
/// From an image folder (or datasets) and an architecture name it infers the classes, derives the
/// training and evaluation transforms from the weights' preprocessing, shuffles the training data
/// (seeded), holds out a validation set when none is given, fine-tunes with
/// <see cref="FineTuning.FineTune"/> (head first on the frozen backbone, then everything with
/// discriminative rates) and returns the model, in evaluation mode, ready to save and predict. For
/// full control use <see cref="ModelBuilder"/>, <see cref="DataLoader"/> and <see cref="Trainer"/>.
/// </summary>
public static class ImageClassifier
{
    /// <summary>
    /// Fine-tunes <paramref name="architecture"/> on the images under <paramref name="folder"/>: either
    /// one subfolder per class, or <c>train/</c> (one subfolder per class) with an optional
    /// <c>val/</c> beside it. Without <c>val/</c>, <see cref="ImageClassifierOptions.ValidationFraction"/>
    /// of each class is held out.
    /// </summary>
    /// <param name="architecture">A zoo name (<see cref="ModelRegistry"/>), e.g. <c>resnet18</c>.</param>
    /// <param name="folder">The image folder.</param>
    /// <param name="epochs">Epochs with everything unfrozen, after the head's epochs (fastai's <c>fine_tune(epochs)</c>).</param>
    /// <param name="options">Everything else; null for the defaults.</param>
    /// <param name="progress">Receives training progress.</param>
    /// <param name="cancellationToken">Stops training with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The trained model, owned by the caller.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder (or a class folder) does not exist.</exception>
    /// <exception cref="ArgumentException">Invalid options (all listed), or <c>train/</c> and <c>val/</c> with different classes.</exception>
    public static TransferModel FineTune(string architecture, string folder, int epochs = 3, ImageClassifierOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (train, validation) = Datasets(folder, options);
        return Run(architecture, train, validation, epochs, options, null, progress, cancellationToken);
    }

    /// <summary>
    /// The training and validation data that <see cref="FineTune(string, string, int, ImageClassifierOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// uses for <paramref name="folder"/> with <paramref name="options"/>: <c>train/</c> and <c>val/</c>
    /// when present, else the folder split per class by <see cref="ImageClassifierOptions.ValidationFraction"/>
    /// and <see cref="ImageClassifierOptions.Seed"/> (the validation part is null when the fraction is 0).
    /// For evaluating or reporting on exactly the images a run held out.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">Invalid options, or <c>train/</c> and <c>val/</c> with different classes.</exception>
    public static (IImageDataset Train, IImageDataset? Validation) Datasets(string folder, ImageClassifierOptions? options = null)
    {
        options ??= new ImageClassifierOptions();
        options.Validate();
        var (train, validation) = OpenFolder(folder);
        if (validation is null && options.ValidationFraction > 0)
            (train, validation) = DatasetSplit.Stratified(train, options.ValidationFraction, options.Seed);
        return (train, validation);
    }

    /// <summary>
    /// Continues a <see cref="FineTune(string, string, int, ImageClassifierOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// run that was interrupted (cancelled or killed) from its checkpoint: set
    /// <see cref="TrainerOptions.CheckpointPath"/> in <see cref="ImageClassifierOptions.FineTune"/>'s trainer
    /// options for the first run, then call this with the same architecture, folder, epochs and
    /// options. The model is rebuilt as the first run built it, the checkpoint restores the weights,
    /// optimizer, schedule, frozen state and data order, and training continues where it stopped.
    /// </summary>
    /// <param name="checkpointPath">The checkpoint the first run wrote.</param>
    /// <param name="architecture">The first run's architecture.</param>
    /// <param name="folder">The first run's image folder.</param>
    /// <param name="epochs">The first run's epochs.</param>
    /// <param name="options">The first run's options.</param>
    /// <param name="progress">Receives training progress.</param>
    /// <param name="cancellationToken">Stops training with <see cref="OperationCanceledException"/> (the checkpoint is written again first).</param>
    /// <returns>The trained model, owned by the caller.</returns>
    /// <exception cref="FileNotFoundException">The checkpoint does not exist.</exception>
    public static TransferModel Resume(string checkpointPath, string architecture, string folder, int epochs = 3, ImageClassifierOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"The checkpoint {Path.GetFullPath(checkpointPath)} does not exist.", checkpointPath);
        var (train, validation) = Datasets(folder, options);
        return Run(architecture, train, validation, epochs, options, checkpointPath, progress, cancellationToken);
    }

    private static (IImageDataset Train, IImageDataset? Validation) OpenFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The image folder {Path.GetFullPath(folder)} does not exist.");
        string trainFolder = Path.Combine(folder, "train"), valFolder = Path.Combine(folder, "val");
        if (!Directory.Exists(trainFolder)) return (new ImageFolderDataset(folder), null);
        var train = new ImageFolderDataset(trainFolder);
        ImageFolderDataset? validation = null;
        if (Directory.Exists(valFolder))
        {
            validation = new ImageFolderDataset(valFolder);
            if (!validation.Classes.SequenceEqual(train.Classes))
                throw new ArgumentException($"{valFolder} has the classes [{string.Join(", ", validation.Classes)}] but {trainFolder} has [{string.Join(", ", train.Classes)}].", nameof(folder));
        }
        return (train, validation);
    }

    /// <summary>
    /// Fine-tunes <paramref name="architecture"/> on <paramref name="train"/>, whose
    /// <see cref="IImageDataset.Classes"/> become the model's labels. Without
    /// <paramref name="validation"/>, <see cref="ImageClassifierOptions.ValidationFraction"/> of each
    /// class is held out of <paramref name="train"/>.
    /// </summary>
    /// <inheritdoc cref="FineTune(string, string, int, ImageClassifierOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    public static TransferModel FineTune(string architecture, IImageDataset train, IImageDataset? validation = null, int epochs = 3,
        ImageClassifierOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        => Run(architecture, train, validation, epochs, options, null, progress, cancellationToken);

    private static TransferModel Run(string architecture, IImageDataset train, IImageDataset? validation, int epochs,
        ImageClassifierOptions? options, string? resumeFrom, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        options ??= new ImageClassifierOptions();
        options.Validate();
        if (train.Classes.Count < 2) throw new ArgumentException($"A classifier needs at least two classes; the training data has {train.Classes.Count}.", nameof(train));
        if (validation is not null && !validation.Classes.SequenceEqual(train.Classes))
            throw new ArgumentException($"The validation classes [{string.Join(", ", validation.Classes)}] differ from the training classes [{string.Join(", ", train.Classes)}].", nameof(validation));
        if (validation is null && options.ValidationFraction > 0)
            (train, validation) = DatasetSplit.Stratified(train, options.ValidationFraction, options.Seed);
        cancellationToken.ThrowIfCancellationRequested();

        var model = CreateModel(architecture, train.Classes, options);
        try
        {
            var preprocessing = model.Preprocessing;
            var trainLoader = new DataLoader(train, options.Loader with { Shuffle = true, Seed = (ulong)options.Seed }, preprocessing.TrainTransform());
            var validationLoader = validation is null || validation.Count == 0
                ? null
                : new DataLoader(validation, options.Loader with { Shuffle = false, DropLast = false }, preprocessing.EvalTransform());
            var recipe = (options.FineTune ?? new FineTuneOptions()) with { Epochs = epochs };
            if (resumeFrom is null) FineTuning.FineTune(model, trainLoader, validationLoader, recipe, progress, cancellationToken);
            else FineTuning.Resume(resumeFrom, model, trainLoader, validationLoader, recipe, progress, cancellationToken);
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static TransferModel CreateModel(string architecture, IReadOnlyList<string> labels, ImageClassifierOptions options)
    {
        if (!ModelRegistry.Contains(architecture))
            throw new ArgumentException($"Unknown architecture '{architecture}'. Registered: {string.Join(", ", ModelRegistry.Names)}.", nameof(architecture));
        if (options.Pretrained && !PretrainedCatalog.For(architecture).Any())
            throw new ArgumentException($"No pretrained weights are catalogued for '{architecture}': set ImageClassifierOptions.Pretrained = false to train it " +
                $"from random initialisation, or pick one of {string.Join(", ", PretrainedCatalog.All.Select(w => w.Architecture).Distinct())}.", nameof(architecture));
        var builder = options.Pretrained
            ? ModelBuilder.FromPretrained(architecture, labels, options.WeightsTag, options.WeightsFile, options.Resolver)
            : ModelBuilder.FromArchitecture(architecture, labels.Count).ReplaceHead(labels);
        if (options.Preprocessing is { } preprocessing) builder.WithPreprocessing(preprocessing);
        return builder.Build();
    }
}
