using System.Collections.Concurrent;
using OpenCvSharp;
using SegFuse.Fusion.Engine;
using SegFuse.Fusion.Evidence;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Alignment;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Fusion.IO;

/// <summary>
/// The checked inputs of a fusion run, and a streaming reader of them. <see cref="Open"/> checks everything that can
/// be checked from file names and headers before any output is written: every video frame has a prediction (and scores,
/// flow), counts and sizes agree. <see cref="Read"/> then decodes the video once, in order, and yields one
/// <see cref="FusionFrame"/> at a time from a reader thread a few frames ahead, so memory does not grow with the video.
/// </summary>
internal sealed class FusionInputSet
{
    private readonly FuseInputs _inputs;
    private readonly SortedDictionary<int, string>? _scores;
    private readonly FlowFolder? _flow;
    private readonly FlowFolder? _flowOther;
    private readonly TelemetryTable? _telemetry;
    private readonly int _speedColumn = -1;
    private readonly int _steeringColumn = -1;

    private FusionInputSet(
        FuseInputs inputs,
        ClassMap classes,
        SortedDictionary<int, string> predictions,
        SortedDictionary<int, string>? scores,
        byte[]? channelClasses,
        FlowFolder? flow,
        FlowFolder? flowOther,
        TelemetryTable? telemetry,
        int width,
        int height)
    {
        _inputs = inputs;
        Classes = classes;
        Predictions = predictions;
        _scores = scores;
        ChannelClasses = channelClasses;
        _flow = flow;
        _flowOther = flowOther;
        _telemetry = telemetry;
        Width = width;
        Height = height;
        if (telemetry is not null)
        {
            var cols = telemetry.Columns;
            for (int c = 0; c < cols.Count; c++)
            {
                if (_speedColumn < 0 && cols[c].Contains("speed", StringComparison.OrdinalIgnoreCase))
                {
                    _speedColumn = c;
                }

                if (_steeringColumn < 0 && cols[c].Contains("steer", StringComparison.OrdinalIgnoreCase))
                {
                    _steeringColumn = c;
                }
            }
        }
    }

    /// <summary>The label set's class indices.</summary>
    public ClassMap Classes { get; }

    /// <summary>The prediction file of each frame.</summary>
    public SortedDictionary<int, string> Predictions { get; }

    /// <summary>Class index of each score channel, when scores are used.</summary>
    public byte[]? ChannelClasses { get; }

    /// <summary>Frames in the video (= predictions).</summary>
    public int FrameCount => Predictions.Count;

    /// <summary>Frame width.</summary>
    public int Width { get; }

    /// <summary>Frame height.</summary>
    public int Height { get; }

    /// <summary>Whether the telemetry has a speed or steering column.</summary>
    public bool HasTelemetry => _speedColumn >= 0 || _steeringColumn >= 0;

    /// <summary>The inputs.</summary>
    public FuseInputs Inputs => _inputs;

    /// <summary>Checks the inputs (see the class remarks).</summary>
    /// <exception cref="SegFuseInputException">The first problem found, naming the file or option.</exception>
    public static FusionInputSet Open(FuseInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Flow is null && inputs.ComputeFlow is null)
        {
            throw new SegFuseInputException("--flow", "give a flow folder (--flow DIR --flow-direction backward|forward) or --compute-flow farneback");
        }

        if (inputs.Flow is not null && inputs.ComputeFlow is not null)
        {
            throw new SegFuseInputException("--compute-flow", "give either --flow or --compute-flow, not both");
        }

        if (inputs.FlowOther is not null && inputs.Flow is null)
        {
            throw new SegFuseInputException("--flow-other", "needs --flow (the other direction's folder)");
        }

        var classes = new ClassMap(inputs.Labels);
        var predictions = FrameFiles.List(inputs.Predictions, ".png");
        if (predictions.Count == 0)
        {
            throw new SegFuseInputException(inputs.Predictions, "holds no prediction PNGs");
        }

        int n = predictions.Count;
        CheckContiguous(predictions, inputs.Predictions, "prediction");

        int width, height;
        using (var video = VideoFrameSource.Open(inputs.Video))
        {
            width = video.Info.Width;
            height = video.Info.Height;
            if (video.Info.ClaimedFrameCountIsExact && video.Info.ClaimedFrameCount is int claimed && claimed != n)
            {
                throw new SegFuseInputException(inputs.Video, $"has {claimed} frames but {inputs.Predictions} holds {n} predictions (frames 0..{n - 1}); every frame needs exactly one");
            }
        }

        if (width > Warp.MaxSide || height > Warp.MaxSide)
        {
            throw new SegFuseInputException(inputs.Video, $"frames of {width}x{height} are larger than fusion handles ({Warp.MaxSide} pixels a side)");
        }

        foreach (var (_, path) in predictions)
        {
            var (w, h) = PngHeader.ReadSize(path);
            if (w != width || h != height)
            {
                throw new SegFuseInputException(path, $"prediction is {w}x{h} but the video frames are {width}x{height}");
            }
        }

        SortedDictionary<int, string>? scores = null;
        byte[]? channelClasses = null;
        if (inputs.Scores is { } scoreDir)
        {
            scores = FrameFiles.List(scoreDir, ".npy");
            if (scores.Count == 0)
            {
                throw new SegFuseInputException(scoreDir, "holds no .npy score files");
            }

            if (scores.Count != n || scores.Keys.Last() != n - 1)
            {
                int missing = Enumerable.Range(0, n).FirstOrDefault(i => !scores.ContainsKey(i), -1);
                throw new SegFuseInputException(scoreDir, missing >= 0
                    ? $"no scores for frame {missing}; every frame 0..{n - 1} needs one"
                    : $"holds scores for frame {scores.Keys.Last()} but the video has {n} frames");
            }

            int channels = -1;
            foreach (var (_, path) in scores)
            {
                var (c, h, w) = ScoreFile.ReadShape(path);
                if (w != width || h != height)
                {
                    throw new SegFuseInputException(path, $"scores are {w}x{h} but the video frames are {width}x{height}");
                }

                if (channels < 0)
                {
                    channels = c;
                    channelClasses = classes.ChannelClasses(c, path);
                }
                else if (c != channels)
                {
                    throw new SegFuseInputException(path, $"holds {c} score channels where the other score files hold {channels}");
                }
            }
        }

        FlowFolder? flow = null, other = null;
        if (inputs.Flow is { } flowDir)
        {
            flow = FlowFolder.Open(flowDir, inputs.FlowDirection);
            CheckFlowFolder(flow, n, width, height, inputs.FlowScale);
            if (inputs.FlowOther is { } otherDir)
            {
                var dir = inputs.FlowDirection == FlowDirection.Backward ? FlowDirection.Forward : FlowDirection.Backward;
                other = FlowFolder.Open(otherDir, dir);
                CheckFlowFolder(other, n, width, height, inputs.FlowScale);
            }
        }

        var telemetry = inputs.Telemetry is { } csv ? TelemetryTable.Load(csv, inputs.TelemetryOptions) : null;
        return new FusionInputSet(inputs, classes, predictions, scores, channelClasses, flow, other, telemetry, width, height);
    }

    /// <summary>
    /// Yields the frames <paramref name="first"/>..<paramref name="last"/> (decoding the video from its start), read
    /// ahead on a separate thread. <paramref name="emit"/> says whether a frame's fused labels are wanted.
    /// </summary>
    /// <exception cref="SegFuseInputException">While enumerating: a corrupt file, an id outside the set, a video shorter than its predictions.</exception>
    public IEnumerable<FusionFrame> Read(int first, int last, Func<int, bool> emit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(last, FrameCount);
        using var queue = new BlockingCollection<FusionFrame>(3);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        var reader = new Thread(() =>
        {
            try
            {
                foreach (var frame in Produce(first, last, emit, stop.Token))
                {
                    queue.Add(frame, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped or the run was cancelled.
            }
#pragma warning disable CA1031 // Handed over to the consuming thread, which rethrows it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "fusion reader",
        };
        reader.Start();
        try
        {
            foreach (var frame in queue.GetConsumingEnumerable(cancellationToken))
            {
                yield return frame;
            }

            reader.Join();
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            stop.Cancel();
            reader.Join();
        }
    }

    private IEnumerable<FusionFrame> Produce(int first, int last, Func<int, bool> emit, CancellationToken ct)
    {
        using var video = VideoFrameSource.Open(_inputs.Video);
        var greys = new Dictionary<int, byte[]>();
        var pool = new Stack<byte[]>();
        var aligner = new TimelineAligner(new AlignOptions
        {
            Telemetry = _telemetry,
            Flow = _flow,
            FlowScale = _inputs.FlowScale,
        });
        int downscale = _inputs.ComputeDownscaleFor(Width, Height);
        using var estimator = _inputs.ComputeFlow is { } m ? new FlowEstimator(m, downscale) : null;
        using var estimator2 = _inputs.ComputeFlow is { } m2 ? new FlowEstimator(m2, downscale) : null;
        int decoded = 0;

        IEnumerable<FrameTime> Frames()
        {
            using var grey = new Mat();
            while (decoded <= last && video.TryRead(out var vf))
            {
                ct.ThrowIfCancellationRequested();
                decoded++;
                if (vf.Index >= first - 1)
                {
                    if (vf.Image.Width != Width || vf.Image.Height != Height)
                    {
                        throw new SegFuseInputException(_inputs.Video, $"frame {vf.Index} is {vf.Image.Width}x{vf.Image.Height}, the first frame {Width}x{Height}");
                    }

                    Cv2.CvtColor(vf.Image, grey, ColorConversionCodes.BGR2GRAY);
                    byte[] g = pool.Count > 0 ? pool.Pop() : new byte[Width * Height];
                    CopyPlane(grey, g);
                    greys[vf.Index] = g;
                }

                yield return new FrameTime(vf.Index, vf.Timestamp);
            }
        }

        foreach (var aligned in aligner.Align(Frames(), Width, Height, ct))
        {
            int t = aligned.Index;
            if (t < first)
            {
                continue;
            }

            var grey = greys[t];
            FlowField? backward = null, forward = null;
            if (_flow is not null)
            {
                var main = aligned.ReadFlow();
                var second = _flowOther?.Read(t, Width, Height, _inputs.FlowScale);
                (backward, forward) = _inputs.FlowDirection == FlowDirection.Backward ? (main, second) : (second, main);
                if (t == 0)
                {
                    backward = null;
                }

                if (t == FrameCount - 1)
                {
                    forward = null;
                }
            }
            else
            {
                byte[]? previous = greys.GetValueOrDefault(t - 1);
                byte[]? next = t < FrameCount - 1 ? greys.GetValueOrDefault(t + 1) : null;
                backward = previous is null ? null : new FlowField(Width, Height);
                forward = next is null ? null : new FlowField(Width, Height);
                Parallel.Invoke(
                    () => Compute(estimator!, grey, previous, backward),
                    () => Compute(estimator2!, grey, next, forward));
            }

            uint[]? scores = null;
            LabelMap? labels = null;
            if (_scores is not null)
            {
                scores = new uint[Width * Height];
                ScoreFile.ReadTop2(_scores[t], ChannelClasses!, Width, Height, scores);
            }
            else
            {
                labels = LabelPng.Read(Predictions[t], Classes.Set, _inputs.PredictionEncoding);
            }

            double speed = double.NaN, steering = double.NaN;
            if (_speedColumn >= 0)
            {
                speed = aligned.Telemetry[_speedColumn];
            }

            if (_steeringColumn >= 0)
            {
                steering = aligned.Telemetry[_steeringColumn];
            }

            // The engine copies the frame it is given (blurred) before it returns, but it runs on another thread a few
            // frames behind: hand over a copy and recycle this frame's buffer once the next frame is done with it.
            var greyCopy = (byte[])grey.Clone();
            if (greys.Remove(t - 1, out var old))
            {
                pool.Push(old);
            }

            yield return new FusionFrame
            {
                Index = t,
                Labels = labels,
                Scores = scores,
                Grey = greyCopy,
                Backward = backward,
                Forward = forward,
                Speed = speed,
                Steering = steering,
                Emit = emit(t),
            };

            if (t == last)
            {
                break;
            }
        }

        if (decoded < last + 1)
        {
            throw new SegFuseInputException(_inputs.Video, $"ends after {decoded} frames but {_inputs.Predictions} holds predictions for {FrameCount} frames");
        }

        if (last == FrameCount - 1 && video.TryRead(out var extra))
        {
            throw new SegFuseInputException(_inputs.Predictions, $"no prediction for frame {extra.Index}: the video has more than {FrameCount} frames");
        }

        void Compute(FlowEstimator est, byte[] from, byte[]? to, FlowField? result)
        {
            if (to is null || result is null)
            {
                return;
            }

            using var a = Mat.FromPixelData(Height, Width, MatType.CV_8UC1, from);
            using var b = Mat.FromPixelData(Height, Width, MatType.CV_8UC1, to);
            est.Compute(a, b, result);
        }
    }

    private void CopyPlane(Mat grey, byte[] target)
    {
        if (grey.IsContinuous())
        {
            grey.AsSpan<byte>().CopyTo(target);
            return;
        }

        using var wrap = Mat.FromPixelData(Height, Width, MatType.CV_8UC1, target);
        grey.CopyTo(wrap);
    }

    private static void CheckContiguous(SortedDictionary<int, string> files, string dir, string what)
    {
        int expected = 0;
        foreach (int index in files.Keys)
        {
            if (index != expected)
            {
                throw new SegFuseInputException(dir, $"no {what} for frame {expected} (the folder jumps from frame {expected - 1} to {index}); every frame 0..N−1 needs one");
            }

            expected++;
        }
    }

    private static void CheckFlowFolder(FlowFolder folder, int frameCount, int width, int height, FlowScale scale)
    {
        var (firstNeeded, lastNeeded) = folder.Direction.FramesWithFlow(frameCount);
        foreach (int index in folder.Frames)
        {
            if (index < 0 || index >= frameCount || (folder.Direction == FlowDirection.Forward && index == frameCount - 1))
            {
                throw new SegFuseInputException(folder.PathOf(index)!, $"{folder.Direction.Name()} flow for frame {index}, but the video's frames with {folder.Direction.Name()} flow are {firstNeeded}..{lastNeeded}: flow and prediction counts disagree");
            }
        }

        folder.EnsureComplete(frameCount);
        foreach (int index in folder.Frames)
        {
            string path = folder.PathOf(index)!;
            var (w, h) = FlowFile.ReadSize(path);
            scale.CheckSize(path, w, h, width, height);
        }
    }
}
