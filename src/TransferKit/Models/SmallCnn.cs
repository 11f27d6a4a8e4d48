using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// A small convolutional network for small images (TransferKit's shapes sample): two 3x3
/// convolutions with ReLU and 2x2 max pooling, average pooling to 4x4, then two fully connected
/// layers with dropout between them. Keys follow torchvision's VGG naming:
/// <code>
/// features.0  Conv2d(3, 16, 3, padding 1)   features.1 ReLU   features.2 MaxPool2d(2)
/// features.3  Conv2d(16, 32, 3, padding 1)  features.4 ReLU   features.5 MaxPool2d(2)
/// avgpool     AdaptiveAvgPool2d(4)
/// classifier.0 Linear(512, 64)  classifier.1 ReLU  classifier.2 Dropout(0.25)  classifier.3 Linear(64, classes)  ← head
/// </code>
/// Any input of at least 16x16 pixels works.
/// </summary>
public sealed class SmallCnn : ClassifierModel
{
    /// <summary>The registry name.</summary>
    public const string ArchitectureName = "small_cnn";

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public SmallCnn(long numClasses, long width = 16, double dropout = 0.25)
        : base(ArchitectureName, "classifier.3", 64)
    {
        RegisterModule("features", new Sequential(
            new Conv2d(3, width, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(width, 2 * width, 3, padding: 1), new ReLU(), new MaxPool2d(2)));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(4));
        RegisterModule("classifier", new Sequential(
            new Linear(2 * width * 16, 64), new ReLU(), new Dropout(dropout), new Linear(64, numClasses)));
    }

    /// <inheritdoc />
    public override Tensor ForwardFeatures(Tensor input) => ForwardFeaturesPoolClassifier(input);
}
