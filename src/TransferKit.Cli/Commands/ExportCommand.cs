using System.CommandLine;
using TransferKit.Cli.Output;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary><c>transferkit export model.tkmodel --onnx model.onnx</c>: writes the model as ONNX (opset 17, labels and preprocessing in its metadata).</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The model package (.tkmodel) to export." };
        var onnx = new Option<string>("--onnx") { Description = "The ONNX file to write.", Required = true };
        var command = new Command("export", "Export a saved model to ONNX, for ONNX Runtime or ML.NET.") { model, onnx };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            using var loaded = ModelPackage.Load(InputFiles.Existing(parse.GetValue(model)!, "model package"));
            string path = parse.GetValue(onnx)!;
            loaded.ExportOnnx(path);
            Terminal.Line($"wrote {Path.GetFullPath(path)} ({loaded.Architecture}, {loaded.Labels.Count} classes, input 1x3x{loaded.Preprocessing.InputSize}x{loaded.Preprocessing.InputSize} named pixel_values, output logits)");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
