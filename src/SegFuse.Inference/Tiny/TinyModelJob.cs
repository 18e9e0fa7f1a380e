using System.Diagnostics;
using OpenCvSharp;
using SegFuse.Inference.Onnx;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Scoring;

namespace SegFuse.Inference.Tiny;

/// <summary>What <c>segfuse model-tiny</c> fitted and how well the fit does.</summary>
public sealed record TinyModelReport
{
    /// <summary>Frames fitted on.</summary>
    public required int TrainFrames { get; init; }

    /// <summary>Pixels sampled from them.</summary>
    public required int Samples { get; init; }

    /// <summary>Held-out frames evaluated (frames of the splits other than train).</summary>
    public required int HeldOutFrames { get; init; }

    /// <summary>Names of the held-out splits, e.g. <c>test</c>.</summary>
    public required string HeldOutSplits { get; init; }

    /// <summary>Mean class IoU on the held-out frames (Cityscapes rules, the fitting code's own evaluation at full resolution); null without held-out frames or evaluation.</summary>
    public double? HeldOutMeanIoU { get; init; }

    /// <summary>Pixel accuracy on the held-out frames; null without held-out frames.</summary>
    public double? HeldOutPixelAccuracy { get; init; }

    /// <summary>Mean class IoU on the training frames (full resolution); NaN when <see cref="TinyModelOptions.Evaluate"/> is off.</summary>
    public required double TrainMeanIoU { get; init; }

    /// <summary>The written model's size in bytes.</summary>
    public required long ModelBytes { get; init; }

    /// <summary>Wall-clock seconds.</summary>
    public required double Seconds { get; init; }
}

/// <summary>
/// <c>segfuse model-tiny</c>: fits <see cref="TinyNet"/> on a folder in the sample layout and writes it as an
/// ONNX model with its normalisation, class names and label set in the metadata.
/// </summary>
public sealed class TinyModelJob
{
    private readonly SampleFolder _sample;
    private readonly TinyModelOptions _options;
    private readonly LabelSet _labels = LabelSet.Load("cityscapes-trainids");

    private TinyModelJob(SampleFolder sample, TinyModelOptions options)
    {
        _sample = sample;
        _options = options;
    }

    /// <summary>Units of work <see cref="Run"/> reports: train frames decoded, gradient steps, frames evaluated.</summary>
    public long Work => _sample.TrainFrames.Count + _options.Steps + (_options.Evaluate ? _sample.TrainFrames.Count + _sample.HeldOut.Values.Sum(v => v.Length) : 0);

    /// <summary>Frames fitted on.</summary>
    public int TrainFrames => _sample.TrainFrames.Count;

    /// <summary>Checks the folder and the options.</summary>
    /// <exception cref="SegFuseInputException">Not a sample folder, or options out of range.</exception>
    public static TinyModelJob Open(string sampleDir, TinyModelOptions options)
    {
        if (options.Hidden is < 1 or > 256)
        {
            throw new SegFuseInputException("--hidden", "must be 1..256");
        }

        if (options.Samples < 100)
        {
            throw new SegFuseInputException("--samples", "must be at least 100");
        }

        if (options.Steps < 1)
        {
            throw new SegFuseInputException("--steps", "must be at least 1");
        }

        return new TinyModelJob(SampleFolder.Open(sampleDir), options);
    }

    /// <summary>Fits, evaluates and writes the model to <paramref name="outPath"/> (atomically).</summary>
    public TinyModelReport Run(string outPath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        long done = 0;
        void Tick() => progress?.Report(++done);

        var train = _sample.TrainFrames.ToHashSet();
        var fitter = new TinyFitter(_labels, train.Count, _options);
        ForEachFrame(train, (frame, truth) =>
        {
            fitter.AddFrame(frame, truth);
            Tick();
        }, cancellationToken);

        long fitBase = done;
        var net = fitter.Fit(new Offset(progress, fitBase), cancellationToken);
        done = fitBase + _options.Steps;

        var trainScore = _options.Evaluate ? Evaluate(net, train, Tick, cancellationToken) : null;
        var heldOut = _sample.HeldOut.Values.SelectMany(v => v).ToHashSet();
        var heldOutScore = _options.Evaluate && heldOut.Count > 0 ? Evaluate(net, heldOut, Tick, cancellationToken) : null;

        byte[] bytes = OnnxWriter.ToBytes(net.ToOnnx());
        cancellationToken.ThrowIfCancellationRequested();
        AtomicFile.Write(outPath, s => s.Write(bytes));
        return new TinyModelReport
        {
            TrainFrames = train.Count,
            Samples = fitter.SampleCount,
            HeldOutFrames = heldOut.Count,
            HeldOutSplits = string.Join(",", _sample.HeldOut.Keys.Order(StringComparer.Ordinal)),
            HeldOutMeanIoU = heldOutScore?.AverageClassIou,
            HeldOutPixelAccuracy = heldOutScore?.PixelAccuracy,
            TrainMeanIoU = trainScore?.AverageClassIou ?? double.NaN,
            ModelBytes = bytes.Length,
            Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
        };
    }

    private ScoreReport Evaluate(TinyNet net, HashSet<int> frames, Action tick, CancellationToken cancellationToken)
    {
        var accumulator = new JaccardAccumulator(_labels);
        ForEachFrame(frames, (frame, truth) =>
        {
            accumulator.Add(truth, net.Predict(frame));
            tick();
        }, cancellationToken);
        return ScoreReport.From(accumulator);
    }

    /// <summary>Decodes the video once and hands over the frames in <paramref name="wanted"/> with their ground truth.</summary>
    private void ForEachFrame(HashSet<int> wanted, Action<Mat, LabelMap> use, CancellationToken cancellationToken)
    {
        using var reader = VideoFrameSource.Open(_sample.VideoPath);
        var seen = new HashSet<int>();
        int last = wanted.Max();
        while (seen.Count < wanted.Count && reader.TryRead(out var decoded))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (index, frame) = (decoded.Index, decoded.Image);
            if (!wanted.Contains(index))
            {
                if (index > last)
                {
                    break;
                }

                continue;
            }

            string gtPath = _sample.Truth[index];
            var truth = LabelPng.Read(gtPath, _labels, LabelEncoding.Ids);
            if (truth.Width != frame.Width || truth.Height != frame.Height)
            {
                throw new SegFuseInputException(gtPath, $"is {truth.Width}x{truth.Height} but the video's frames are {frame.Width}x{frame.Height}");
            }

            use(frame, truth);
            seen.Add(index);
        }

        if (seen.Count < wanted.Count)
        {
            int missing = wanted.Except(seen).Min();
            throw new SegFuseInputException(_sample.VideoPath, $"has no frame for ground truth {Path.GetFileName(_sample.Truth[missing])} (it ends before frame {missing})");
        }
    }

    private sealed class Offset(IProgress<long>? inner, long offset) : IProgress<long>
    {
        public void Report(long value) => inner?.Report(offset + value);
    }
}
