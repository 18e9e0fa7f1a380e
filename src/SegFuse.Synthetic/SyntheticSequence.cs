using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using SegFuse.Synthetic.Predictions;
using SegFuse.Synthetic.Render;
using SegFuse.Synthetic.Scene;
using SegFuse.Synthetic.Util;

namespace SegFuse.Synthetic;

/// <summary>
/// A synthetic driving sequence, generated frame by frame: a camera in a car driving through a city (it waits
/// at a zebra while people cross and the camera pans, accelerates, cruises, brakes, turns right at an
/// intersection, ...), with traffic, cyclists and pedestrians. Each frame comes with exact ground truth, exact
/// flow in both directions with occlusion masks, and a noisy per-frame prediction. Deterministic per seed.
/// </summary>
/// <remarks>
/// Frames are made on demand with <see cref="TryRead"/>; at most three frames' buffers are held at once
/// (the previous frame's surface ids, the current frame, the next), so memory does not grow with the length.
/// Rendering runs on every core.
/// </remarks>
public sealed class SyntheticSequence
{
    private readonly StreetScene _scene;
    private readonly Renderer _renderer;
    private readonly PredictionModel _predictor;
    private readonly ConcurrentBag<FrameBuffers> _pool = [];
    private readonly int[] _previousIds;
    private readonly Action<FrameBuffers> _return;
    private FrameBuffers? _current;
    private FrameBuffers? _ahead;
    private int _next;

    /// <summary>Plans the drive and builds the scene (no frame is rendered yet).</summary>
    /// <exception cref="SegFuseInputException">Invalid options.</exception>
    public SyntheticSequence(SyntheticOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        double t1 = options.StartSeconds + ((options.Frames - 1) / options.Fps);
        _scene = new StreetScene(options.Seed, options.StartSeconds, t1, options.Width, options.Height);
        _renderer = new Renderer(_scene);
        _predictor = new PredictionModel(options.Seed, options.Width, options.Height);
        _previousIds = new int[options.Width * options.Height];
        _return = buffers =>
        {
            if (_pool.Count < 3)
            {
                _pool.Add(buffers);
            }
        };
        Telemetry = MakeTelemetry();
    }

    /// <summary>The options the sequence was made with.</summary>
    public SyntheticOptions Options { get; }

    /// <summary>Number of frames.</summary>
    public int FrameCount => Options.Frames;

    /// <summary>Index of the frame that the next <see cref="TryRead"/> returns.</summary>
    public int Position => _next;

    /// <summary>Telemetry over the whole sequence (small: ~50 rows a second), on the video's clock.</summary>
    public IReadOnlyList<TelemetrySample> Telemetry { get; }

    /// <summary>Camera focal length in pixels (horizontal field of view 64°).</summary>
    public double FocalLength => _scene.Focal;

    internal StreetScene Scene => _scene;

    /// <summary>The split of frame <paramref name="frame"/>: the first 50 % train, the next 20 % val, the last 30 % test.</summary>
    public static SplitPart SplitOf(int frame, int frameCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, frameCount);
        if (frame < frameCount * 5 / 10)
        {
            return SplitPart.Train;
        }

        return frame < frameCount * 7 / 10 ? SplitPart.Val : SplitPart.Test;
    }

    /// <summary>Drive time of frame <paramref name="frame"/> in seconds.</summary>
    internal double DriveTime(int frame) => Options.StartSeconds + (frame / Options.Fps);

    /// <summary>
    /// Makes the next frame. Returns false after the last frame. The caller owns the frame and should dispose it.
    /// </summary>
    public bool TryRead([NotNullWhen(true)] out SyntheticFrame? frame, CancellationToken cancellationToken = default)
    {
        frame = null;
        int index = _next;
        if (index >= FrameCount)
        {
            return false;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_current is null)
        {
            _current = Rent();
            Render(index, _current, cancellationToken);
        }

        if (index + 1 < FrameCount)
        {
            _ahead = Rent();
            Render(index + 1, _ahead, cancellationToken);
        }

        var current = _current;
        var render = current.Render;
        if (index > 0)
        {
            var op = new OcclusionKernel(render.Id, render.FlowBackward, _previousIds, current.OcclusionBackward, render.Width, render.Height);
            ParallelRows.For(render.Height, in op, cancellationToken);
        }

        if (_ahead is not null)
        {
            var op = new OcclusionKernel(render.Id, render.FlowForward, _ahead.Render.Id, current.OcclusionForward, render.Width, render.Height);
            ParallelRows.For(render.Height, in op, cancellationToken);
        }

        _predictor.Predict(index, render.Labels, render.Instance, _ahead is null ? [] : render.FlowForward, current.Prediction);
        render.Id.AsSpan().CopyTo(_previousIds);
        frame = new SyntheticFrame(index, index / Options.Fps, SplitOf(index, FrameCount), index > 0, _ahead is not null, current, _return);
        _current = _ahead;
        _ahead = null;
        _next++;
        return true;
    }

    private FrameBuffers Rent() => _pool.TryTake(out var b) ? b : new FrameBuffers(Options.Width, Options.Height);

    private void Render(int index, FrameBuffers target, CancellationToken cancellationToken)
    {
        double t = DriveTime(index), dt = 1.0 / Options.Fps;
        _renderer.Render(t, t - dt, t + dt, target.Render, cancellationToken);
    }

    private List<TelemetrySample> MakeTelemetry()
    {
        var rng = new Rng(Options.Seed, "telemetry");
        double period = 1.0 / Options.TelemetryRate;
        double last = (FrameCount - 1) / Options.Fps;
        var rows = new List<TelemetrySample>();
        for (int k = 0; ; k++)
        {
            // Jittered timestamps (±20 % of the period, so they stay in order); the first at 0, the last past the last frame.
            double ts = k == 0 ? 0 : (k * period) + (rng.Range(-0.2, 0.2) * period);
            var s = _scene.Ego.StateAt(Options.StartSeconds + ts);
            double accel = s.Acceleration + (0.03 * rng.Normal());
            double steering = s.SteeringDeg + (0.1 * rng.Normal());
            rows.Add(new TelemetrySample(Math.Round(ts, 4), Math.Round(s.Speed, 3), Math.Round(accel, 3), Math.Round(steering, 2)));
            if (ts > last)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>
    /// Marks a pixel occluded in the other frame when its surface point projects outside that image, or when the
    /// other frame sees a different surface at the nearest pixel of the projection.
    /// </summary>
    private readonly struct OcclusionKernel(int[] ids, float[] flow, int[] otherIds, byte[] occlusion, int width, int height) : IRowOperation
    {
        public void Invoke(int y)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                float tx = x + flow[2 * i], ty = y + flow[(2 * i) + 1];
                int nx = (int)MathF.Round(tx), ny = (int)MathF.Round(ty);
                bool visible = tx > -0.5f && ty > -0.5f && nx >= 0 && ny >= 0 && nx < width && ny < height && otherIds[(ny * width) + nx] == ids[i];
                occlusion[i] = visible ? (byte)0 : (byte)1;
            }
        }
    }
}
