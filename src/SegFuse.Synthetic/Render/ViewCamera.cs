using System.Runtime.CompilerServices;
using SegFuse.Synthetic.Scene;

namespace SegFuse.Synthetic.Render;

/// <summary>
/// A pinhole camera with no roll and no pitch (pitch is modelled as a shift of the principal point), so
/// vertical world lines stay vertical in the image and a pixel column is one vertical plane of rays.
/// A point (X, Y, Z) has depth z = (P − C)·forward and projects to u = cx + f·x/z, v = cy − f·(Y − h)/z.
/// </summary>
internal readonly struct ViewCamera
{
    public const float Near = 0.05f;

    public readonly float X;
    public readonly float Z;
    public readonly float H;
    public readonly float FwdX;
    public readonly float FwdZ;
    public readonly float RightX;
    public readonly float RightZ;
    public readonly float F;
    public readonly float Cx;
    public readonly float Cy;

    public ViewCamera(CameraPose pose, float focal, float cx)
    {
        X = (float)pose.X;
        Z = (float)pose.Z;
        H = City.CameraHeight;
        FwdX = (float)Math.Sin(pose.Yaw);
        FwdZ = (float)Math.Cos(pose.Yaw);
        RightX = FwdZ;
        RightZ = -FwdX;
        F = focal;
        Cx = cx;
        Cy = (float)pose.PrincipalY;
    }

    /// <summary>Projects a world point; false when it is not in front of the camera.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Project(float px, float py, float pz, out float u, out float v)
    {
        float dx = px - X, dz = pz - Z;
        float depth = (dx * FwdX) + (dz * FwdZ);
        float lateral = (dx * RightX) + (dz * RightZ);
        if (depth < Near)
        {
            // Behind the camera: place it far outside the image on the side it left by.
            depth = Near;
            u = lateral >= 0 ? 1e6f : -1e6f;
            v = Cy - (F * (py - H) / depth);
            return false;
        }

        u = Cx + (F * lateral / depth);
        v = Cy - (F * (py - H) / depth);
        return true;
    }

    /// <summary>Projects a direction (a point at infinity: only the rotation matters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ProjectDirection(float dx, float dy, float dz, out float u, out float v)
    {
        float depth = (dx * FwdX) + (dz * FwdZ);
        float lateral = (dx * RightX) + (dz * RightZ);
        if (depth <= 1e-6f)
        {
            u = lateral >= 0 ? 1e6f : -1e6f;
            v = Cy;
            return false;
        }

        u = Cx + (F * lateral / depth);
        v = Cy - (F * dy / depth);
        return true;
    }
}
