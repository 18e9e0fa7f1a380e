using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.Media.Tests.Support;

/// <summary>
/// Draws a plausible driving scene as a label map in Cityscapes train ids: sky, a skyline of buildings and a wall,
/// trees, terrain, road with sidewalks, a fence, thin poles carrying signs and traffic lights, cars, a truck, a bus,
/// people, a rider on a bicycle, a motorcycle and the ego vehicle's hood (255, ignored). Objects move as the ego car
/// drives, so consecutive frames differ like video. Hard edges only (labels are never blended); no structure is drawn
/// thinner than 2 px (limbs, poles, wheels), as annotations rarely are.
/// </summary>
internal static class DrivingScene
{
    public const byte Road = 0, Sidewalk = 1, Building = 2, Wall = 3, Fence = 4, Pole = 5, TrafficLight = 6, TrafficSign = 7,
        Vegetation = 8, Terrain = 9, Sky = 10, Person = 11, Rider = 12, Car = 13, Truck = 14, Bus = 15, Train = 16,
        Motorcycle = 17, Bicycle = 18, Ignore = 255;

    public static LabelMap Draw(int width, int height, int frame, int seed = 7)
    {
        using var m = new Mat(height, width, MatType.CV_8UC1, Scalar.All(Sky));
        var rng = new Random(seed);
        double t = frame;
        double W = width, H = height;
        double horizon = 0.42 * H;
        double vpx = W * (0.5 + (0.02 * Math.Sin(t / 40.0)));
        Point P(double x, double y) => new((int)Math.Round(x), (int)Math.Round(y));
        void Poly(byte label, params Point[] pts) => Cv2.FillPoly(m, [pts], Scalar.All(label), LineTypes.Link8);
        void Rect(byte label, double x0, double y0, double x1, double y1) =>
            Cv2.Rectangle(m, new Rect((int)Math.Round(x0), (int)Math.Round(y0), Math.Max(1, (int)Math.Round(x1 - x0)), Math.Max(1, (int)Math.Round(y1 - y0))), Scalar.All(label), -1, LineTypes.Link8);
        void Ellipse(byte label, double cx, double cy, double rx, double ry) =>
            Cv2.Ellipse(m, P(cx, cy), new Size(Math.Max(1, (int)rx), Math.Max(1, (int)ry)), 0, 0, 360, Scalar.All(label), -1, LineTypes.Link8);

        // Grass below the horizon wherever nothing else stands.
        Rect(Terrain, 0, horizon, W, H);

        // Skyline: buildings of random heights on both sides, receding to the vanishing point; a wall on the right.
        double shift = Mod(t * 0.004 * W, 0.12 * W);
        for (int side = -1; side <= 1; side += 2)
        {
            for (int i = -1; i < 9; i++)
            {
                double x0 = side < 0 ? (i * 0.12 * W) - shift : W - (i * 0.12 * W) + shift;
                double x1 = x0 + (side * 0.12 * W);
                double top = H * (0.05 + (0.22 * rng.NextDouble()));
                double near = Math.Abs(vpx - x0) / (0.5 * W);
                double far = Math.Abs(vpx - x1) / (0.5 * W);
                Poly(Building, P(x0, horizon - ((horizon - top) * near)), P(x1, horizon - ((horizon - top) * far)), P(x1, horizon + (0.05 * H)), P(x0, horizon + (0.05 * H)));
            }
        }

        Poly(Wall, P(W * 0.66, horizon - (0.06 * H)), P(W * 0.78, horizon - (0.08 * H)), P(W * 0.78, horizon + (0.08 * H)), P(W * 0.66, horizon + (0.04 * H)));

        // Trees: crowns and trunks (vegetation), moving outwards.
        for (int i = 0; i < 6; i++)
        {
            double z = 1 + Mod((i * 1.7) + 8 - (t * 0.05), 9);
            int side = i % 2 == 0 ? -1 : 1;
            double x = vpx + (side * W * 0.55 / z * 1.6);
            double r = H * 0.32 / z;
            Ellipse(Vegetation, x, horizon - (r * 0.9), r * 1.1, r);
            Rect(Vegetation, x - (r * 0.12), horizon - (r * 0.2), x + (r * 0.12), horizon + (H * 0.3 / z));
        }

        // Terrain on the right, sidewalks, road.
        Poly(Terrain, P(W, horizon + (0.05 * H)), P(vpx + (0.06 * W), horizon + (0.02 * H)), P(vpx + (0.07 * W), horizon + (0.03 * H)), P(W, horizon + (0.2 * H)));
        Poly(Sidewalk, P(0, horizon + (0.12 * H)), P(vpx - (0.03 * W), horizon + (0.01 * H)), P(vpx - (0.015 * W), horizon + (0.01 * H)), P(0.02 * W, H), P(0, H));
        Poly(Sidewalk, P(W, horizon + (0.22 * H)), P(vpx + (0.07 * W), horizon + (0.03 * H)), P(vpx + (0.015 * W), horizon + (0.01 * H)), P(0.98 * W, H), P(W, H));
        Poly(Road, P(0.02 * W, H), P(vpx - (0.015 * W), horizon + (0.01 * H)), P(vpx + (0.015 * W), horizon + (0.01 * H)), P(0.98 * W, H));

        // Fence along the right sidewalk.
        Poly(Fence, P(W, horizon + (0.08 * H)), P(vpx + (0.08 * W), horizon - (0.01 * H)), P(vpx + (0.08 * W), horizon + (0.025 * H)), P(W, horizon + (0.2 * H)));

        // Poles at several depths, with signs and lights; width shrinks with distance down to 2 px.
        for (int i = 0; i < 8; i++)
        {
            double z = 1.2 + Mod((i * 1.3) + 10 - (t * 0.08), 10.5);
            int side = i % 2 == 0 ? -1 : 1;
            double x = vpx + (side * W * 0.42 / z);
            double baseY = horizon + (H * 0.55 / z);
            double poleH = H * 1.5 / z;
            double pw = Math.Max(2, W * 0.008 / z * 1.6);
            Rect(Pole, x - (pw / 2), baseY - poleH, x + (pw / 2), baseY);
            double s = H * 0.09 / z;
            switch (i % 3)
            {
                case 0:
                    Rect(TrafficSign, x - (s * 0.6), baseY - poleH, x + (s * 0.6), baseY - poleH + s);
                    break;
                case 1:
                    Ellipse(TrafficSign, x, baseY - poleH + (s * 0.6), s * 0.55, s * 0.55);
                    break;
                default:
                    Rect(TrafficLight, x - (s * 0.3), baseY - poleH, x + (s * 0.3), baseY - poleH + (s * 1.5));
                    break;
            }
        }

        // Vehicles on the road: cars, a truck, a bus; a train far on the left.
        Rect(Train, 0.1 * W, horizon - (0.06 * H), 0.3 * W, horizon + (0.02 * H));
        var vehicles = new (byte Label, double Lane, double Z0, double Speed, double Wf, double Hf)[]
        {
            (Car, -0.5, 3, 0.01, 0.5, 0.22), (Car, 0.45, 6, -0.02, 0.5, 0.22), (Car, -0.2, 9, 0.015, 0.5, 0.22),
            (Truck, 0.5, 12, 0.01, 0.6, 0.6), (Bus, -0.55, 14, 0.005, 0.65, 0.65), (Car, 0.1, 18, 0.02, 0.5, 0.22),
        };
        foreach (var v in vehicles.OrderByDescending(v => v.Z0))
        {
            double z = Math.Max(1.5, v.Z0 + (v.Speed * t));
            double x = vpx + (v.Lane * W * 0.5 / z);
            double bottom = horizon + (H * 0.6 / z);
            double vw = W * v.Wf / z, vh = H * v.Hf / z * 1.6;
            Rect(v.Label, x - (vw / 2), bottom - vh, x + (vw / 2), bottom);
            if (v.Label == Car)
            {
                Rect(v.Label, x - (vw * 0.35), bottom - (vh * 1.45), x + (vw * 0.35), bottom - vh + 1);
            }
        }

        // A rider on a bicycle and a motorcycle near the right edge of the road.
        {
            double z = 4 + (2 * Math.Sin(t / 30.0));
            double x = vpx + (W * 0.35 / z), bottom = horizon + (H * 0.58 / z), s = H * 0.3 / z;
            Cv2.Circle(m, P(x - (s * 0.4), bottom - (s * 0.25)), Math.Max(2, (int)(s * 0.25)), Scalar.All(Bicycle), Math.Max(2, (int)(s * 0.06)), LineTypes.Link8);
            Cv2.Circle(m, P(x + (s * 0.4), bottom - (s * 0.25)), Math.Max(2, (int)(s * 0.25)), Scalar.All(Bicycle), Math.Max(2, (int)(s * 0.06)), LineTypes.Link8);
            Cv2.Line(m, P(x - (s * 0.4), bottom - (s * 0.25)), P(x + (s * 0.4), bottom - (s * 0.25)), Scalar.All(Bicycle), Math.Max(2, (int)(s * 0.06)), LineTypes.Link8);
            Rect(Rider, x - (s * 0.12), bottom - (s * 1.1), x + (s * 0.12), bottom - (s * 0.4));
            Ellipse(Rider, x, bottom - (s * 1.22), s * 0.1, s * 0.12);
            double mz = 7, mx = vpx - (W * 0.1 / mz * 2), mb = horizon + (H * 0.6 / mz);
            Rect(Motorcycle, mx - (s * 0.3), mb - (s * 0.35), mx + (s * 0.3), mb);
        }

        // People on the sidewalks.
        for (int i = 0; i < 7; i++)
        {
            double z = 2 + Mod((i * 1.9) + 12 - (t * 0.06), 12);
            int side = i % 2 == 0 ? -1 : 1;
            double x = vpx + (side * W * (0.7 + (0.1 * (i % 3))) / z) + (Math.Sin((t / 10.0) + i) * W * 0.004);
            double bottom = horizon + (H * 0.6 / z);
            double ph = H * 0.55 / z, pw = Math.Max(2, ph * 0.28);
            Rect(Person, x - (pw / 2), bottom - (ph * 0.85), x + (pw / 2), bottom - (ph * 0.4));
            Ellipse(Person, x, bottom - (ph * 0.92), pw * 0.32, ph * 0.08);
            Cv2.Line(m, P(x - (pw * 0.25), bottom - (ph * 0.4)), P(x - (pw * 0.35), bottom), Scalar.All(Person), Math.Max(2, (int)(pw * 0.25)), LineTypes.Link8);
            Cv2.Line(m, P(x + (pw * 0.25), bottom - (ph * 0.4)), P(x + (pw * 0.35), bottom), Scalar.All(Person), Math.Max(2, (int)(pw * 0.25)), LineTypes.Link8);
        }

        // The ego vehicle's hood: ignored in the ground truth.
        Ellipse(Ignore, W * 0.5, H * 1.12, W * 0.6, H * 0.2);

        static double Mod(double a, double m) => ((a % m) + m) % m;

        var map = new LabelMap(width, height);
        var src = m.AsSpan<byte>();
        var dst = map.Span;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = src[i];
        }

        return map;
    }
}
