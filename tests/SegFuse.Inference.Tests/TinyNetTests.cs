using Microsoft.ML.OnnxRuntime;
using SegFuse.Inference.Onnx;
using SegFuse.Inference.Tiny;
using SegFuse.Labels;
using SegFuse.Scoring;
using Xunit.Abstractions;

namespace SegFuse.Inference.Tests;

public class TinyNetTests(ITestOutputHelper output)
{
    private static readonly LabelSet TrainIds = LabelSet.Load("cityscapes-trainids");

    internal static TinyNet FitOnSynthetic(int width, int height, int frames, TinyModelOptions? options = null)
    {
        options ??= new TinyModelOptions { Samples = 12_000, Steps = 600 };
        var fitter = new TinyFitter(TrainIds, frames, options);
        for (int i = 0; i < frames; i++)
        {
            var (bgr, truth) = SyntheticScene.Frame(width, height, i * 3);
            using (bgr)
            {
                fitter.AddFrame(bgr, truth);
            }
        }

        return fitter.Fit();
    }

    [Fact]
    public void Fitted_network_beats_chance_by_a_wide_margin_on_held_out_frames()
    {
        var net = FitOnSynthetic(96, 64, 6);
        var accumulator = new JaccardAccumulator(TrainIds);
        for (int i = 0; i < 4; i++)
        {
            var (bgr, truth) = SyntheticScene.Frame(96, 64, 100 + (i * 5));
            using (bgr)
            {
                accumulator.Add(truth, net.Predict(bgr));
            }
        }

        var report = ScoreReport.From(accumulator);
        output.WriteLine($"held-out pixel accuracy {report.PixelAccuracy:P1}, mIoU {report.AverageClassIou:P1}");
        // Guessing among the 7 classes in view gives about 1/7 pixel accuracy and an mIoU far below that.
        Assert.True(report.PixelAccuracy > 0.9, $"pixel accuracy {report.PixelAccuracy:P1}");
        Assert.True(report.AverageClassIou > 0.6, $"mIoU {report.AverageClassIou:P1}");
    }

    [Fact]
    public void Fitting_is_deterministic_for_a_seed()
    {
        var a = OnnxWriter.ToBytes(FitOnSynthetic(48, 32, 2, new TinyModelOptions { Samples = 2000, Steps = 50 }).ToOnnx());
        var b = OnnxWriter.ToBytes(FitOnSynthetic(48, 32, 2, new TinyModelOptions { Samples = 2000, Steps = 50 }).ToOnnx());
        var c = OnnxWriter.ToBytes(FitOnSynthetic(48, 32, 2, new TinyModelOptions { Samples = 2000, Steps = 50, Seed = 2 }).ToOnnx());
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(96, 64)]
    [InlineData(37, 23)]
    public void Onnx_runtime_computes_the_same_logits_as_the_fitting_code(int width, int height)
    {
        var net = FitOnSynthetic(64, 48, 3, new TinyModelOptions { Samples = 4000, Steps = 200 });
        var (bgr, _) = SyntheticScene.Frame(width, height, 5);
        using (bgr)
        {
            float[] planes = TinyNet.Normalize(bgr, net.Mean, net.Std);
            float[] expected = net.Forward(planes, width, height);

            using var session = new InferenceSession(OnnxWriter.ToBytes(net.ToOnnx()));
            using var input = OrtValue.CreateTensorValueFromMemory(planes, [1, 3, height, width]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [TinyNet.InputName], [input], [TinyNet.OutputName]);
            Assert.Equal([1, 19, height, width], results[0].GetTensorTypeAndShape().Shape);
            var actual = results[0].GetTensorDataAsSpan<float>();
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
            }

            output.WriteLine($"largest relative logit difference {worst:E2}");
            Assert.True(worst < 1e-4, $"largest relative logit difference {worst}");
        }
    }
}
