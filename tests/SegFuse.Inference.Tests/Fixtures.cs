using SegFuse.Inference.Onnx;
using SegFuse.Inference.Tiny;
using SegFuse.Labels;

namespace SegFuse.Inference.Tests;

/// <summary>A temporary folder per test, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"segfuse-inference-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Models built in tests with the same writer, laid out the way other exporters lay them out.</summary>
internal static class ForeignModels
{
    /// <summary>
    /// A PyTorch-export-like model: input <c>pixel_values</c> [batch, 3, height, width] (all dynamic), a strided
    /// 3×3 conv (half resolution), ReLU, a 1×1 conv to <paramref name="classes"/> channels and a Softmax over
    /// channels; no SegFuse metadata. With <paramref name="argmaxOutput"/> it ends in ArgMax (int64 labels
    /// [batch, 1, h, w]) instead.
    /// </summary>
    public static byte[] Strided(int classes, bool argmaxOutput = false, int seed = 3, bool int32Labels = false)
    {
        var random = new Random(seed);
        float[] Weights(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * 2 * scale)).ToArray();
        var g = new OnnxGraph("torch_jit");
        g.Inputs.Add(new OnnxValueInfo("pixel_values", OnnxElementType.Float, ["batch_size", 3, "height", "width"]));
        g.Initializers.Add(OnnxTensor.Floats("backbone.0.weight", Weights(8 * 27, 0.6), 8, 3, 3, 3));
        g.Initializers.Add(OnnxTensor.Floats("backbone.0.bias", Weights(8, 0.1), 8));
        g.Initializers.Add(OnnxTensor.Floats("classifier.weight", Weights(classes * 8, 1.0), classes, 8, 1, 1));
        g.Initializers.Add(OnnxTensor.Floats("classifier.bias", Weights(classes, 0.2), classes));
        g.Nodes.Add(new OnnxNode("Conv", ["pixel_values", "backbone.0.weight", "backbone.0.bias"], ["/backbone/Conv_output_0"])
        {
            Name = "/backbone/Conv",
            Attributes = [OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 1, 1, 1, 1), OnnxAttribute.Ints("dilations", 1, 1), OnnxAttribute.Int("group", 1)],
        });
        g.Nodes.Add(new OnnxNode("Relu", ["/backbone/Conv_output_0"], ["/backbone/Relu_output_0"]) { Name = "/backbone/Relu" });
        g.Nodes.Add(new OnnxNode("Conv", ["/backbone/Relu_output_0", "classifier.weight", "classifier.bias"], ["/classifier/Conv_output_0"])
        {
            Name = "/classifier/Conv",
            Attributes = [OnnxAttribute.Ints("kernel_shape", 1, 1)],
        });
        if (argmaxOutput)
        {
            if (int32Labels)
            {
                // Labels as int32 [N, h, w]: ArgMax without keepdims, then Cast.
                g.Nodes.Add(new OnnxNode("ArgMax", ["/classifier/Conv_output_0"], ["argmax"]) { Name = "/ArgMax", Attributes = [OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0)] });
                g.Nodes.Add(new OnnxNode("Cast", ["argmax"], ["labels"]) { Name = "/Cast", Attributes = [OnnxAttribute.Int("to", (long)OnnxElementType.Int32)] });
                g.Outputs.Add(new OnnxValueInfo("labels", OnnxElementType.Int32, ["batch_size", "out_h", "out_w"]));
            }
            else
            {
                g.Nodes.Add(new OnnxNode("ArgMax", ["/classifier/Conv_output_0"], ["labels"]) { Name = "/ArgMax", Attributes = [OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 1)] });
                g.Outputs.Add(new OnnxValueInfo("labels", OnnxElementType.Int64, ["batch_size", 1, "out_h", "out_w"]));
            }
        }
        else
        {
            g.Nodes.Add(new OnnxNode("Softmax", ["/classifier/Conv_output_0"], ["probs"]) { Name = "/Softmax", Attributes = [OnnxAttribute.Int("axis", 1)] });
            g.Outputs.Add(new OnnxValueInfo("probs", OnnxElementType.Float, ["batch_size", classes, "out_h", "out_w"]));
        }

        return OnnxWriter.ToBytes(new OnnxModel(g) { ProducerName = "pytorch", ProducerVersion = "2.5.0", OpsetVersion = 17, IrVersion = 8 });
    }

    /// <summary>An identity-like model with an input of the given declared shape and a float output of rank 4.</summary>
    public static byte[] WithInput(OnnxDim[] inputShape, OnnxElementType type = OnnxElementType.Float)
    {
        var g = new OnnxGraph("odd");
        g.Inputs.Add(new OnnxValueInfo("x", type, inputShape));
        g.Add("Identity", ["x"], "y");
        g.Outputs.Add(new OnnxValueInfo("y", type, inputShape));
        return OnnxWriter.ToBytes(new OnnxModel(g));
    }
}

/// <summary>A tiny model fitted on synthetic frames, shared by the tests of a class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TinyModelFixture()
    {
        var fitter = new TinyFitter(LabelSet.Load("cityscapes-trainids"), 4, new TinyModelOptions { Samples = 6000, Steps = 300 });
        for (int i = 0; i < 4; i++)
        {
            var (bgr, truth) = SyntheticScene.Frame(96, 64, i * 4);
            using (bgr)
            {
                fitter.AddFrame(bgr, truth);
            }
        }

        Net = fitter.Fit();
        ModelPath = _dir.File("tiny.onnx");
        OnnxWriter.Save(Net.ToOnnx(), ModelPath);
        VideoPath = _dir.File("scene.mp4");
        Truths = SyntheticScene.WriteVideo(VideoPath, 96, 64, 10);
    }

    internal TinyNet Net { get; }

    public string ModelPath { get; }

    public string VideoPath { get; }

    internal List<LabelMap> Truths { get; }

    public void Dispose() => _dir.Dispose();
}
