using SegFuse.Synthetic.Scene;
using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

public class TelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public void Timestamps_are_jittered_around_50_Hz_and_cover_every_frame()
    {
        var seq = new SyntheticSequence(Fixtures.Small(frames: 300));
        var t = seq.Telemetry;
        Assert.Equal(0.0, t[0].Timestamp);
        Assert.True(t[^1].Timestamp >= 299 / 30.0, "the last row is after the last frame");
        var gaps = t.Zip(t.Skip(1), (a, b) => b.Timestamp - a.Timestamp).ToList();
        Assert.All(gaps, g => Assert.InRange(g, 0.010, 0.030));
        Assert.InRange(gaps.Average(), 0.0195, 0.0205);
        Assert.True(gaps.Distinct().Count() > gaps.Count / 2, "timestamps are jittered, not a fixed period");
    }

    [Fact]
    public void Speed_acceleration_and_steering_agree_with_the_camera_motion()
    {
        var seq = new SyntheticSequence(Fixtures.Small(frames: 300));
        var ego = seq.Scene.Ego;
        var t = seq.Telemetry;
        double worstSpeed = 0, worstAccel = 0, worstYaw = 0;
        for (int k = 1; k < t.Count - 1; k++)
        {
            double ts = t[k].Timestamp;
            const double H = 0.01;
            var (x0, z0, h0) = ego.VehicleAt(ts - H);
            var (x1, z1, h1) = ego.VehicleAt(ts + H);
            double speed = Math.Sqrt(((x1 - x0) * (x1 - x0)) + ((z1 - z0) * (z1 - z0))) / (2 * H);
            worstSpeed = Math.Max(worstSpeed, Math.Abs(speed - t[k].SpeedMps));

            // Acceleration: the derivative of the reported speed (the reported value carries sensor noise).
            double accel = (ego.StateAt(ts + H).Speed - ego.StateAt(ts - H).Speed) / (2 * H);
            worstAccel = Math.Max(worstAccel, Math.Abs(accel - t[k].AccelMps2));

            // Yaw rate of the vehicle = v·tan(δ)/L with δ the road-wheel angle; steering left (positive) turns left.
            double yawRate = (h1 - h0) / (2 * H);
            double wheel = -t[k].SteeringDeg / EgoMotion.SteeringRatio * Math.PI / 180;
            double predicted = t[k].SpeedMps * Math.Tan(wheel) / EgoMotion.Wheelbase;
            worstYaw = Math.Max(worstYaw, Math.Abs(yawRate - predicted));
        }

        output.WriteLine($"worst |speed - distance/time| {worstSpeed:0.000} m/s, |accel - dv/dt| {worstAccel:0.000} m/s², |yaw rate - v·tan(δ)/L| {worstYaw:0.0000} rad/s");
        Assert.True(worstSpeed < 0.05, $"speed off by {worstSpeed}");
        Assert.True(worstAccel < 0.25, $"acceleration off by {worstAccel}");
        Assert.True(worstYaw < 0.02, $"yaw rate off by {worstYaw}");
    }

    [Fact]
    public void The_drive_stands_pans_accelerates_cruises_brakes_and_turns()
    {
        var seq = new SyntheticSequence(Fixtures.Small(frames: 300));
        var t = seq.Telemetry;
        var ego = seq.Scene.Ego;

        // Stands for the first two seconds while the camera pans.
        Assert.All(t.Where(s => s.Timestamp < 2.0), s => Assert.Equal(0.0, s.SpeedMps));
        double panRange = Enumerable.Range(0, 60).Select(i => ego.CameraAt(i / 30.0).Yaw).Aggregate((Min: double.MaxValue, Max: double.MinValue), (m, y) => (Math.Min(m.Min, y), Math.Max(m.Max, y)), m => m.Max - m.Min);
        Assert.True(panRange * 180 / Math.PI > 8, $"pan range {panRange * 180 / Math.PI:0.0}°");

        // Accelerates (> 2 m/s²), reaches a cruising speed (> 7 m/s), brakes (< −1 m/s²), turns right (steering < −200°).
        Assert.Contains(t, s => s.AccelMps2 > 2.0);
        Assert.Contains(t, s => s.SpeedMps > 7.0);
        Assert.Contains(t, s => s.AccelMps2 < -1.0 && s.SpeedMps > 3);
        Assert.Contains(t, s => s.SteeringDeg < -200);
        double yawChange = ego.VehicleAt(10).Heading - ego.VehicleAt(0).Heading;
        output.WriteLine($"pan {panRange * 180 / Math.PI:0.0}°, vehicle heading change over 10 s {yawChange * 180 / Math.PI:0.0}°, top speed {t.Max(s => s.SpeedMps):0.0} m/s");
        Assert.InRange(yawChange * 180 / Math.PI, 60, 95);
    }
}
