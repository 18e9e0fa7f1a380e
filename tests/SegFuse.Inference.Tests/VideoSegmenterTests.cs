using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using SegFuse.Inference.Onnx;
using SegFuse.Inference.Segment;
using SegFuse.Inference.Tiny;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Scoring;
using Xunit.Abstractions;

namespace SegFuse.Inference.Tests;

public class VideoSegmenterTests(TinyModelFixture tiny, ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    private static readonly LabelSet TrainIds = LabelSet.Load("cityscapes-trainids");

    private static List<Mat> DecodeAll(string video)
    {
        // The same decoder segment uses (VideoFrameSource), so the frames are the ones segment saw.
        var frames = new List<Mat>();
        using var source = VideoFrameSource.Open(video);
        while (source.TryRead(out var frame))
        {
            frames.Add(frame.Image.Clone());
        }

        return frames;
    }

    private static SegmentSummary Segment(SegmentOptions options, out VideoSegmenter used)
    {
        used = VideoSegmenter.Open(options);
        using (used)
        {
            return used.Run();
        }
    }

    [Fact]
    public void Tiny_model_through_segment_gives_the_labels_of_the_fitting_codes_own_evaluation()
    {
        using var dir = new TempDir();
        string outDir = dir.File("labels");
        var summary = Segment(new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = tiny.ModelPath, OutputDirectory = outDir }, out var seg);
        output.WriteLine(seg.Description);
        Assert.Empty(seg.Warnings);
        Assert.Equal(10, summary.Frames);

        var frames = DecodeAll(tiny.VideoPath);
        Assert.Equal(10, frames.Count);
        var accumulator = new JaccardAccumulator(TrainIds);
        long differing = 0, pixels = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            using var frame = frames[i];
            var expected = tiny.Net.Predict(frame, out float[] logits);
            var written = LabelPng.Read(Path.Combine(outDir, FrameFiles.NameOf(i, ".png")), TrainIds);
            Assert.Equal(96, written.Width);
            Assert.Equal(64, written.Height);
            for (int p = 0; p < expected.Span.Length; p++)
            {
                pixels++;
                if (expected.Span[p] != written.Span[p])
                {
                    // Only a near-tie of the two best logits may come out differently in float arithmetic.
                    float a = logits[(expected.Span[p] * 96 * 64) + p], b = logits[(written.Span[p] * 96 * 64) + p];
                    Assert.True(Math.Abs(a - b) < 1e-4f * Math.Max(1, Math.Abs(a)), $"frame {i} pixel {p}: {expected.Span[p]} vs {written.Span[p]} ({a} vs {b})");
                    differing++;
                }
            }

            accumulator.Add(tiny.Truths[i], written);
        }

        var report = ScoreReport.From(accumulator);
        output.WriteLine($"{differing} of {pixels} pixels differ (near-ties); mIoU against the synthetic truth {report.AverageClassIou:P1}, pixel accuracy {report.PixelAccuracy:P1}");
        Assert.True(differing <= pixels / 10_000);
        Assert.True(report.AverageClassIou > 0.6);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(3, null)]
    [InlineData(1, "64x48")]
    public void A_model_exported_elsewhere_with_dynamic_batch_and_size_works(int batch, string? inputSize)
    {
        using var dir = new TempDir();
        string model = dir.File("foreign.onnx");
        File.WriteAllBytes(model, ForeignModels.Strided(19));
        (int W, int H)? size = inputSize is null ? null : (int.Parse(inputSize.Split('x')[0]), int.Parse(inputSize.Split('x')[1]));
        float[] mean = [100f, 110f, 120f], std = [50f, 60f, 70f];
        var options = new SegmentOptions
        {
            VideoPath = tiny.VideoPath,
            ModelPath = model,
            OutputDirectory = dir.File("out"),
            Mean = mean,
            Std = std,
            Batch = batch,
            InputSize = size,
        };
        var summary = Segment(options, out var seg);
        output.WriteLine(seg.Description);
        Assert.Equal(10, summary.Frames);

        // Reference: the test's own pre-processing, ORT on one frame, its own double-precision bilinear upsampling.
        using var session = new InferenceSession(model);
        var frames = DecodeAll(tiny.VideoPath);
        long differing = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            using var frame = frames[i];
            using var resized = new Mat();
            int w = size?.W ?? frame.Width, h = size?.H ?? frame.Height;
            Cv2.Resize(frame, resized, new Size(w, h), 0, 0, InterpolationFlags.Linear);
            var input = new float[3 * w * h];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    var px = resized.At<Vec3b>(y, x);
                    input[(y * w) + x] = (float)((px.Item2 - mean[0]) / std[0]);
                    input[(w * h) + (y * w) + x] = (float)((px.Item1 - mean[1]) / std[1]);
                    input[(2 * w * h) + (y * w) + x] = (float)((px.Item0 - mean[2]) / std[2]);
                }
            }

            using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, h, w]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["pixel_values"], [value], ["probs"]);
            var shape = results[0].GetTensorTypeAndShape().Shape;
            int oh = (int)shape[2], ow = (int)shape[3];
            Assert.Equal((h + 1) / 2, oh);
            var probs = results[0].GetTensorDataAsSpan<float>().ToArray();
            var written = LabelPng.Read(Path.Combine(options.OutputDirectory, FrameFiles.NameOf(i, ".png")), TrainIds);
            int fw = frame.Width, fh = frame.Height;
            for (int y = 0; y < fh; y++)
            {
                for (int x = 0; x < fw; x++)
                {
                    var values = Enumerable.Range(0, 19).Select(c => ReferenceBilinear(probs.AsSpan(c * oh * ow, oh * ow), ow, oh, x, y, fw, fh)).ToArray();
                    int best = Array.IndexOf(values, values.Max());
                    int got = written[x, y];
                    if (got != best)
                    {
                        Assert.True(values.Max() - values[got] < 1e-5, $"frame {i} ({x},{y}): {got} vs {best}");
                        differing++;
                    }
                }
            }
        }

        output.WriteLine($"{differing} near-tie pixels differ from the reference");
        var classes = LabelPng.Read(Path.Combine(options.OutputDirectory, "000005.png"), TrainIds).Span.ToArray().Distinct().Count();
        Assert.True(classes >= 3, $"the random model should paint several classes, painted {classes}");
    }

    [Fact]
    public void A_label_output_is_upsampled_by_nearest_neighbour()
    {
        using var dir = new TempDir();
        string model = dir.File("argmax.onnx");
        File.WriteAllBytes(model, ForeignModels.Strided(19, argmaxOutput: true));
        string logitsModel = dir.File("logits.onnx");
        File.WriteAllBytes(logitsModel, ForeignModels.Strided(19));
        var options = new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = model, OutputDirectory = dir.File("out"), Mean = [0, 0, 0], Std = [255, 255, 255] };
        Segment(options, out var seg);
        output.WriteLine(seg.Description);

        using var session = new InferenceSession(logitsModel);
        var frames = DecodeAll(tiny.VideoPath);
        using var frame = frames[3];
        foreach (var f in frames.Where(f => f != frame))
        {
            f.Dispose();
        }

        int w = frame.Width, h = frame.Height;
        var input = new float[3 * w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                var px = frame.At<Vec3b>(y, x);
                input[(y * w) + x] = px.Item2 / 255f;
                input[(w * h) + (y * w) + x] = px.Item1 / 255f;
                input[(2 * w * h) + (y * w) + x] = px.Item0 / 255f;
            }
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, h, w]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["pixel_values"], [value], ["probs"]);
        var probs = results[0].GetTensorDataAsSpan<float>().ToArray();
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        var written = LabelPng.Read(Path.Combine(options.OutputDirectory, FrameFiles.NameOf(3, ".png")), TrainIds);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // Nearest: the source pixel whose area holds the destination pixel's centre.
                int sy = (int)((y + 0.5) * oh / h), sx = (int)((x + 0.5) * ow / w);
                var values = Enumerable.Range(0, 19).Select(c => probs[(c * oh * ow) + (sy * ow) + sx]).ToArray();
                Assert.Equal(Array.IndexOf(values, values.Max()), written[x, y]);
            }
        }

        Assert.True(written.Span.ToArray().Distinct().Count() >= 3);
    }

    [Fact]
    public void A_fixed_size_model_is_fed_resized_frames_and_answers_at_frame_size()
    {
        using var dir = new TempDir();
        string model = dir.File("fixed.onnx");
        var onnx = tiny.Net.ToOnnx();
        onnx.Graph.Inputs[0] = onnx.Graph.Inputs[0] with { Shape = [1, 3, 40, 60] };
        onnx.Graph.Outputs[0] = onnx.Graph.Outputs[0] with { Shape = [1, 19, 40, 60] };
        OnnxWriter.Save(onnx, model);
        var options = new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = model, OutputDirectory = dir.File("out") };
        Segment(options, out var seg);
        output.WriteLine(seg.Description);
        Assert.Contains("fed 60x40", seg.Description, StringComparison.Ordinal);
        var written = LabelPng.Read(Path.Combine(options.OutputDirectory, "000000.png"), TrainIds);
        Assert.Equal((96, 64), (written.Width, written.Height));

        var e = Assert.Throws<SegFuseInputException>(() => VideoSegmenter.Open(options with { InputSize = (96, 64) }));
        Assert.Equal("--input-size", e.Subject);
        var b = Assert.Throws<SegFuseInputException>(() => VideoSegmenter.Open(options with { Batch = 2 }));
        Assert.Equal("--batch", b.Subject);
    }

    [Fact]
    public void Scores_are_float16_npy_softmax_at_frame_size_agreeing_with_the_labels()
    {
        using var dir = new TempDir();
        var options = new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = tiny.ModelPath, OutputDirectory = dir.File("out"), ScoresDirectory = dir.File("scores"), Batch = 2 };
        Segment(options, out _);
        Assert.Equal(10, Directory.GetFiles(options.ScoresDirectory!, "*.npy").Length);
        byte[] npy = File.ReadAllBytes(Path.Combine(options.ScoresDirectory!, "000004.npy"));
        int headerLength = npy[8] | (npy[9] << 8);
        string header = System.Text.Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'descr': '<f2'", header, StringComparison.Ordinal);
        Assert.Contains("'shape': (19, 64, 96)", header, StringComparison.Ordinal);
        var data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(npy.AsSpan(10 + headerLength));
        Assert.Equal(19 * 64 * 96, data.Length);
        var labels = LabelPng.Read(Path.Combine(options.OutputDirectory, "000004.png"), TrainIds);
        int plane = 64 * 96;
        for (int p = 0; p < plane; p++)
        {
            float sum = 0, best = -1;
            int arg = 0;
            for (int c = 0; c < 19; c++)
            {
                float v = (float)data[(c * plane) + p];
                sum += v;
                if (v > best)
                {
                    best = v;
                    arg = c;
                }
            }

            Assert.InRange(sum, 0.98f, 1.02f);
            float atLabel = (float)data[(labels.Span[p] * plane) + p];
            Assert.True(arg == labels.Span[p] || best - atLabel < 2e-3f, $"pixel {p}: scores say {arg}, labels say {labels.Span[p]}");
        }
    }

    [Fact]
    public void Cancelling_leaves_no_output_behind()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfter(cts, 3);
        using var seg = VideoSegmenter.Open(new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = tiny.ModelPath, OutputDirectory = dir.File("out") });
        Assert.ThrowsAny<OperationCanceledException>(() => seg.Run(progress, cts.Token));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Int32_labels_of_rank_3_give_the_same_maps_as_int64_labels_of_rank_4()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("i64.onnx"), ForeignModels.Strided(19, argmaxOutput: true));
        File.WriteAllBytes(dir.File("i32.onnx"), ForeignModels.Strided(19, argmaxOutput: true, int32Labels: true));
        foreach (string name in new[] { "i64", "i32" })
        {
            Segment(new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = dir.File($"{name}.onnx"), OutputDirectory = dir.File(name), Mean = [0, 0, 0], Std = [255, 255, 255], Batch = 2 }, out _);
        }

        for (int i = 0; i < 10; i++)
        {
            string file = FrameFiles.NameOf(i, ".png");
            Assert.Equal(LabelPng.Read(Path.Combine(dir.File("i64"), file), TrainIds).Span.ToArray(), LabelPng.Read(Path.Combine(dir.File("i32"), file), TrainIds).Span.ToArray());
        }
    }

    [Fact]
    public void Output_classes_map_to_the_label_sets_ids()
    {
        Assert.Equal([7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33], ClassMapping.IdsOfClasses(LabelSet.Load("cityscapes"), 19, "m").Select(v => (int)v));
        Assert.Equal(Enumerable.Range(0, 34), ClassMapping.IdsOfClasses(LabelSet.Load("cityscapes"), 34, "m").Select(v => (int)v));
        Assert.Equal(Enumerable.Range(0, 19), ClassMapping.IdsOfClasses(TrainIds, 19, "m").Select(v => (int)v));
        Assert.Equal(Enumerable.Range(1, 150), ClassMapping.IdsOfClasses(LabelSet.Load("ade20k"), 150, "m").Select(v => (int)v));
        Assert.Equal(Enumerable.Range(0, 21), ClassMapping.IdsOfClasses(LabelSet.Load("voc"), 21, "m").Select(v => (int)v));
        Assert.Equal(["road", "sidewalk"], ClassMapping.ParseNames("""["road","sidewalk"]""")!);
        Assert.Equal(["road", "sidewalk"], ClassMapping.ParseNames("road, sidewalk")!);
    }

    [Fact]
    public void A_cityscapes_label_set_gets_label_ids_from_a_train_id_model()
    {
        using var dir = new TempDir();
        var options = new SegmentOptions { VideoPath = tiny.VideoPath, ModelPath = tiny.ModelPath, OutputDirectory = dir.File("ids"), Labels = "cityscapes" };
        Segment(options, out _);
        Segment(options with { OutputDirectory = dir.File("train"), Labels = null }, out _);
        var cityscapes = LabelSet.Load("cityscapes");
        var byTrainId = cityscapes.Classes.Where(c => c.TrainId is >= 0 and < 19).ToDictionary(c => c.TrainId!.Value, c => c.Id);
        var ids = LabelPng.Read(Path.Combine(dir.File("ids"), "000002.png"), cityscapes);
        var train = LabelPng.Read(Path.Combine(dir.File("train"), "000002.png"), TrainIds);
        for (int p = 0; p < ids.Span.Length; p++)
        {
            Assert.Equal(byTrainId[train.Span[p]], ids.Span[p]);
        }
    }

    private sealed class CancelAfter(CancellationTokenSource cts, int frames) : IProgress<long>
    {
        public void Report(long value)
        {
            if (value >= frames)
            {
                cts.Cancel();
            }
        }
    }

    private static double ReferenceBilinear(ReadOnlySpan<float> plane, int sw, int sh, int x, int y, int dw, int dh)
    {
        static (int, int, double) Tap(int d, int s, int dsize)
        {
            double pos = Math.Max(((d + 0.5) * s / dsize) - 0.5, 0);
            int i0 = Math.Min((int)Math.Floor(pos), s - 1);
            return (i0, Math.Min(i0 + 1, s - 1), pos - i0);
        }

        var (x0, x1, fx) = Tap(x, sw, dw);
        var (y0, y1, fy) = Tap(y, sh, dh);
        double top = plane[(y0 * sw) + x0] + ((plane[(y0 * sw) + x1] - plane[(y0 * sw) + x0]) * fx);
        double bottom = plane[(y1 * sw) + x0] + ((plane[(y1 * sw) + x1] - plane[(y1 * sw) + x0]) * fx);
        return top + ((bottom - top) * fy);
    }
}
