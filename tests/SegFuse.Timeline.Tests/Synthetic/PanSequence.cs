using OpenCvSharp;
using SegFuse.Timeline.Flow;

namespace SegFuse.Timeline.Tests.Synthetic;

/// <summary>
/// A synthetic driving-like sequence: a camera pans right over a fixed textured scene at a known, time-varying speed
/// s(τ) = Base + Swing·sin(2πτ / Period) pixels per second, so every pixel of frame t shows the scene point
/// x + p(t), where p is the integral of s. The whole image moves left by p(t) − p(t − 1) between frames.
/// </summary>
internal sealed class PanSequence : IDisposable
{
    public const double Base = 60;
    public const double Swing = 40;
    public const double Period = 2.0;

    private readonly Mat _scene;

    public PanSequence(int width, int height, double fps, int seed = 11)
    {
        Width = width;
        Height = height;
        Fps = fps;

        // Scene: blurred noise (texture at several scales) plus a few shapes, wide enough for the whole pan.
        int sceneWidth = width + (int)Math.Ceiling(Position(10)) + 64;
        _scene = new Mat(height, sceneWidth, MatType.CV_8UC3);
        using var noise = new Mat(height, sceneWidth, MatType.CV_8UC3);
        var rng = new Random(seed);
        rng.NextBytes(noise.AsSpan<byte>());
        using var coarse = new Mat();
        using var fine = new Mat();
        Cv2.GaussianBlur(noise, coarse, new Size(0, 0), 6);
        Cv2.GaussianBlur(noise, fine, new Size(0, 0), 1.2);
        Cv2.AddWeighted(coarse, 2.5, fine, 0.8, -220, _scene);
        for (int i = 0; i < sceneWidth / 12; i++)
        {
            var c = new Scalar(rng.Next(256), rng.Next(256), rng.Next(256));
            var center = new Point(rng.Next(sceneWidth), rng.Next(height));
            if (i % 2 == 0)
            {
                Cv2.Circle(_scene, center, rng.Next(3, 14), c, -1, LineTypes.AntiAlias);
            }
            else
            {
                Cv2.Rectangle(_scene, new Rect(center.X, center.Y, rng.Next(4, 30), rng.Next(4, 20)), c, -1);
            }
        }
    }

    public int Width { get; }

    public int Height { get; }

    public double Fps { get; }

    /// <summary>Pan speed in pixels per second at time τ.</summary>
    public static double Speed(double tau) => Base + (Swing * Math.Sin(2 * Math.PI * tau / Period));

    /// <summary>Pan position p(τ) = ∫ s.</summary>
    public static double Position(double tau) => (Base * tau) + (Swing * Period / (2 * Math.PI) * (1 - Math.Cos(2 * Math.PI * tau / Period)));

    /// <summary>Frame shown at time τ: the scene shifted left by p(τ), bilinear.</summary>
    public Mat Render(double tau)
    {
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, 1.0);
        m.Set(0, 1, 0.0);
        m.Set(0, 2, -Position(tau));
        m.Set(1, 0, 0.0);
        m.Set(1, 1, 1.0);
        m.Set(1, 2, 0.0);
        var frame = new Mat();
        Cv2.WarpAffine(_scene, frame, m, new Size(Width, Height), InterpolationFlags.Linear, BorderTypes.Reflect);
        return frame;
    }

    /// <summary>
    /// Mean endpoint error of <paramref name="field"/> against the true flow of a frame at <paramref name="tau"/> pointing to
    /// the frame at <paramref name="tauTarget"/> (u = p(τ) − p(τ'), v = 0), over the interior (a margin of <paramref name="margin"/> px left out).
    /// </summary>
    public static double EndpointError(FlowField field, double tau, double tauTarget, int margin)
    {
        double u = Position(tau) - Position(tauTarget);
        double sum = 0;
        long n = 0;
        for (int y = margin; y < field.Height - margin; y++)
        {
            var row = field.GetRowSpan(y);
            for (int x = margin; x < field.Width - margin; x++)
            {
                double du = row[x * 2] - u, dv = row[(x * 2) + 1];
                sum += Math.Sqrt((du * du) + (dv * dv));
                n++;
            }
        }

        return sum / n;
    }

    public void Dispose() => _scene.Dispose();
}
