using SegFuse.Inference.Tiny;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Synthetic;
using Xunit.Abstractions;

namespace SegFuse.Inference.Tests;

/// <summary>The tiny model on the project's synthetic street scene (the sample generator), not on the tests' own flat scenes.</summary>
public class TinyModelOnStreetSceneTests(ITestOutputHelper output)
{
    [Fact]
    public void Beats_chance_by_a_wide_margin_on_the_held_out_splits()
    {
        using var dir = new TempDir();
        SyntheticSample.Write(dir.Path, new SyntheticOptions { Width = 192, Height = 108, Frames = 40, StartSeconds = 2 });
        var report = TinyModelJob.Open(dir.Path, new TinyModelOptions { Samples = 20_000, Steps = 800 }).Run(dir.File("tiny.onnx"));

        // Chance: labels drawn at random with the training frames' class frequencies, scored the same way.
        var trainIds = LabelSet.Load("cityscapes-trainids");
        var split = File.ReadAllLines(dir.File("split.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(p => int.Parse(p[0]), p => p[1]);
        var counts = new long[19];
        foreach (var (frame, part) in split.Where(s => s.Value == "train"))
        {
            foreach (ushort v in LabelPng.Read(dir.File($"gt/{FrameFiles.NameOf(frame, ".png")}"), trainIds).Span)
            {
                if (v < 19)
                {
                    counts[v]++;
                }
            }
        }

        var random = new Random(5);
        long total = counts.Sum();
        var chance = new JaccardAccumulator(trainIds);
        foreach (var (frame, _) in split.Where(s => s.Value != "train"))
        {
            var truth = LabelPng.Read(dir.File($"gt/{FrameFiles.NameOf(frame, ".png")}"), trainIds);
            var guess = new LabelMap(truth.Width, truth.Height);
            for (int i = 0; i < guess.Span.Length; i++)
            {
                long r = random.NextInt64(total);
                int c = 0;
                while (r >= counts[c])
                {
                    r -= counts[c++];
                }

                guess.Span[i] = (ushort)c;
            }

            chance.Add(truth, guess);
        }

        double chanceMiou = ScoreReport.From(chance).AverageClassIou;
        output.WriteLine($"street scene 192x108: train {report.TrainFrames} frames, held-out {report.HeldOutSplits} {report.HeldOutFrames} frames: tiny mIoU {report.HeldOutMeanIoU:P1}, pixel accuracy {report.HeldOutPixelAccuracy:P1}; chance mIoU {chanceMiou:P1}; train mIoU {report.TrainMeanIoU:P1}");
        Assert.True(report.HeldOutMeanIoU > 3 * chanceMiou, $"tiny {report.HeldOutMeanIoU:P1} vs chance {chanceMiou:P1}");
    }
}
