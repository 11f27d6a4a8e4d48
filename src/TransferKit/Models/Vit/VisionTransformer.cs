using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// The encoder of a ViT (torchvision's <c>Encoder</c>): adds <c>pos_embedding</c> [1, T, D] to the
/// tokens, dropout, the layers <c>layers.encoder_layer_0</c> ..., and the final LayerNorm <c>ln</c>.
/// </summary>
public sealed class VitEncoder : Module
{
    /// <summary>Creates the encoder for <paramref name="config"/> (position embeddings N(0, 0.02²)).</summary>
    public VitEncoder(VitConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var pos = RegisterParameter("pos_embedding", Torch.Empty(new long[] { 1, config.SequenceLength, config.HiddenDim }, ScalarType.Float32, requiresGrad: true))!;
        using (Torch.NoGrad()) Init.Normal_(pos, 0, 0.02);
        RegisterModule("dropout", new Dropout(config.Dropout));
        RegisterModule("layers", new Sequential(Enumerable.Range(0, config.NumLayers)
            .Select(i => ($"encoder_layer_{i}", (Module)new VitEncoderLayer(config))).ToArray()));
        RegisterModule("ln", new LayerNorm(config.HiddenDim, config.LayerNormEps));
    }

    /// <summary>Tokens [N, T, D] (the [CLS] token first) → encoded tokens [N, T, D].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = GetSubmodule("dropout").Forward(input + GetParameter("pos_embedding")!);
        x = GetSubmodule("layers").Forward(x);
        return scope.MoveToOuter(GetSubmodule("ln").Forward(x));
    }
}

/// <summary>
/// Vision Transformer classifier with torchvision's <c>VisionTransformer</c> state-dict keys
/// (<c>class_token</c>, <c>conv_proj</c>, <c>encoder.pos_embedding</c>,
/// <c>encoder.layers.encoder_layer_N.{ln_1, self_attention.in_proj_weight/in_proj_bias/out_proj, ln_2, mlp.0, mlp.3}</c>,
/// <c>encoder.ln</c>, head <c>heads.head</c>). Hugging Face <c>ViTForImageClassification</c> /
/// <c>ViTModel</c> weights load too: <see cref="LoadWeights"/> (and <c>ModelBuilder.FromPretrained</c>)
/// translate their keys with <see cref="VitKeys"/> and interpolate the position embeddings of
/// weights trained at another image size (<see cref="VitPositionEmbedding"/>).
/// Input: images [N, 3, ImageSize, ImageSize]; output: logits [N, NumClasses] from the [CLS] token.
/// </summary>
public sealed class VisionTransformer : ClassifierModel
{
    /// <summary>Registry name of ViT-B/16.</summary>
    public const string B16Name = "vit_b_16";

    /// <summary>Registry name of <see cref="VitConfig.Tiny"/>.</summary>
    public const string TinyName = "vit_tiny";

    /// <summary>Creates the model with torchvision's initialisation (the head zero, as torchvision's).</summary>
    /// <param name="config">The shape.</param>
    /// <param name="architecture">The registry name recorded in model packages (default <c>vit_b_16</c>).</param>
    public VisionTransformer(VitConfig config, string architecture = B16Name)
        : base(architecture, "heads.head", Validated(config).HiddenDim)
    {
        Config = config;
        RegisterParameter("class_token", Torch.Zeros(new long[] { 1, 1, config.HiddenDim }, ScalarType.Float32, requiresGrad: true));
        var convProj = RegisterModule("conv_proj", new Conv2d(3, config.HiddenDim, config.PatchSize, stride: config.PatchSize));
        using (Torch.NoGrad())
        {
            // torchvision: trunc_normal_(std=√(1/fan_in)) with bounds ±2 (absolute, i.e. ~55 std at
            // ViT-B/16's std 0.036: a plain normal in effect); bias 0.
            long fanIn = 3L * config.PatchSize * config.PatchSize;
            Init.Normal_(convProj.Weight, 0, Math.Sqrt(1.0 / fanIn));
            convProj.Weight.Clamp_(-2, 2);
            Init.Zeros_(convProj.Bias!);
        }
        RegisterModule("encoder", new VitEncoder(config));
        var head = new Linear(config.HiddenDim, config.NumClasses);
        using (Torch.NoGrad())
        {
            Init.Zeros_(head.Weight);
            Init.Zeros_(head.Bias!);
        }
        RegisterModule("heads", new Sequential(("head", (Module)head)));
    }

    /// <summary>The model's shape.</summary>
    public VitConfig Config { get; }

    /// <summary>The key layout of the last weights given to <see cref="LoadWeights"/> (null before any).</summary>
    public VitKeyLayout? LoadedLayout { get; private set; }

    private static VitConfig Validated(VitConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return config;
    }

    /// <summary>Images [N, 3, H, W] → patch tokens [N, (H/P)·(W/P), D] (torchvision's <c>_process_input</c>).</summary>
    public Tensor PatchTokens(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.NDim != 4 || images.Size(1) != 3 || images.Size(2) != Config.ImageSize || images.Size(3) != Config.ImageSize)
            throw new ArgumentException(
                $"This ViT takes images [N, 3, {Config.ImageSize}, {Config.ImageSize}]; got [{string.Join(", ", images.Shape)}]. " +
                "Resize the images, or build the model for another ImageSize and load the weights into it (the position embeddings are interpolated).", nameof(images));
        using var scope = Torch.NewDisposeScope();
        var x = GetSubmodule("conv_proj").Forward(images);
        x = x.Reshape(x.Size(0), Config.HiddenDim, -1).Permute(0, 2, 1);
        return scope.MoveToOuter(x);
    }

    /// <summary>The [CLS] token's encoding [N, D], the head's input.</summary>
    public override Tensor ForwardFeatures(Tensor input) => Tokens(input).Select(1, 0);

    /// <summary>Every token's encoding [N, T, D] after the final LayerNorm ([CLS] first).</summary>
    public Tensor Tokens(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var patches = PatchTokens(input);
        var cls = GetParameter("class_token")!.Expand(patches.Size(0), -1, -1);
        var x = Torch.Cat(new[] { cls, patches }, 1);
        return scope.MoveToOuter(GetSubmodule("encoder").Forward(x));
    }

    /// <summary>
    /// Loads weights in torchvision's or Hugging Face's layout (detected from the keys; see
    /// <see cref="VitKeys"/>), interpolating position embeddings made for another image size. A
    /// Hugging Face <c>ViTModel</c> file without a classifier (e.g. <c>google/vit-base-patch16-224-in21k</c>)
    /// keeps this model's head, as <c>from_pretrained</c> initialises a new one. The caller keeps
    /// ownership of <paramref name="stateDict"/>'s tensors.
    /// </summary>
    public StateDictReport LoadWeights(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        using var own = ToOwnKeys(stateDict);
        return LoadStateDict(own, strict);
    }

    /// <summary>
    /// <paramref name="stateDict"/> in this model's keys (new tensor handles the caller disposes):
    /// translated from Hugging Face's layout when it is one, position embeddings resized to
    /// <see cref="Config"/>'s grid, and a missing head filled with this model's current head.
    /// </summary>
    internal StateDict ToOwnKeys(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var layout = VitKeys.Detect(stateDict);
        var own = layout == VitKeyLayout.HuggingFace
            ? VitKeys.FromHuggingFace(stateDict)
            : new StateDict(stateDict.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Alias())));
        try
        {
            if (own.TryGetValue("encoder.pos_embedding", out var pos) && pos.NDim == 3 && pos.Size(1) != Config.SequenceLength)
            {
                own["encoder.pos_embedding"] = VitPositionEmbedding.Interpolate(pos, Config.GridSize);
                pos.Dispose();
            }
            if (!own.ContainsKey(HeadPath + ".weight") && !own.ContainsKey(HeadPath + ".bias"))
                foreach (var (name, p) in HeadParameters())
                    own.Add(name, p.Detach());
            LoadedLayout = layout;
            return own;
        }
        catch
        {
            own.Dispose();
            throw;
        }
    }
}
