// Trains a 2-4-1 network on XOR with TransferKit's tensors and autograd, and prints the falling
// loss and the final predictions. Everything runs in libtorch; C# only orchestrates.
using TransferKit.Engine;

Torch.ManualSeed(7);

float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
float[] targets = { 0, 1, 1, 0 };
using var x = Torch.FromArray(inputs, 4, 2);
using var y = Torch.FromArray(targets, 4, 1);

// Parameters: leaf tensors that require gradients.
using var w1 = Torch.Randn(2, 4).Mul_(0.8).RequiresGrad_();
using var b1 = Torch.Zeros(new long[] { 4 }, ScalarType.Float32, requiresGrad: true);
using var w2 = Torch.Randn(4, 1).Mul_(0.8).RequiresGrad_();
using var b2 = Torch.Zeros(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
Tensor[] parameters = { w1, b1, w2, b2 };

const double LearningRate = 0.5;
const int Epochs = 2000;
Console.WriteLine($"TransferKit XOR sample: libtorch {Torch.LibTorchVersion}, {Torch.NumThreads} intra-op threads");

for (int epoch = 1; epoch <= Epochs; epoch++)
{
    // Every tensor created inside the scope (activations, loss, gradients read) is freed at its end.
    using var scope = Torch.NewDisposeScope();
    var hidden = x.MatMul(w1).Add(b1).Tanh();
    var prediction = hidden.MatMul(w2).Add(b2).Sigmoid();
    var loss = ((prediction - y).Pow(2)).Mean();
    loss.Backward();

    using (Torch.NoGrad())
    {
        foreach (var p in parameters)
        {
            var grad = p.Grad!;
            p.Add_(grad, alpha: -LearningRate);
            grad.Zero_();
        }
    }

    if (epoch == 1 || epoch % 200 == 0)
        Console.WriteLine($"epoch {epoch,5}  loss {loss.Item<float>():F5}");
}

using (Torch.NoGrad())
using (var scope = Torch.NewDisposeScope())
{
    var prediction = x.MatMul(w1).Add(b1).Tanh().MatMul(w2).Add(b2).Sigmoid();
    float[] p = prediction.ToArray<float>();
    Console.WriteLine();
    Console.WriteLine("input   target  prediction");
    for (int k = 0; k < 4; k++)
        Console.WriteLine($"{inputs[2 * k]} xor {inputs[2 * k + 1]}  {targets[k],4}    {p[k]:F3}");
    int correct = Enumerable.Range(0, 4).Count(k => (p[k] > 0.5f) == (targets[k] > 0.5f));
    Console.WriteLine($"\n{correct}/4 correct");
}
Console.WriteLine($"live tensors at exit: {Torch.LiveTensorCount} (the 6 inputs, targets and parameters)");
