using OpenCvSharp;

namespace SegFuse.Media.Decoding;

/// <summary>
/// The Y'CbCr ↔ R'G'B' matrices of BT.601 and BT.709. OpenCV's FFmpeg backend converts every stream with the BT.601
/// matrix whatever its tag; a BT.709 stream (HD cameras, everything SegFuse renders) is fixed up with one 3×3 transform.
/// </summary>
internal static class YuvMatrix
{
    /// <summary>Luma weights (Kr, Kb) of BT.601.</summary>
    public static readonly (double Kr, double Kb) Bt601 = (0.299, 0.114);

    /// <summary>Luma weights (Kr, Kb) of BT.709.</summary>
    public static readonly (double Kr, double Kb) Bt709 = (0.2126, 0.0722);

    /// <summary>
    /// The BGR → BGR transform that turns a frame decoded with the <paramref name="assumed"/> matrix into the one the
    /// <paramref name="actual"/> matrix gives. Offsets and range scaling cancel, so the map is linear.
    /// </summary>
    /// <remarks>The caller owns the returned 3×3 <c>CV_32F</c> matrix.</remarks>
    public static Mat CorrectionBgr((double Kr, double Kb) assumed, (double Kr, double Kb) actual)
    {
        double[,] m = Multiply(ToRgb(actual), FromRgb(assumed)); // RGB_actual = ToRgb_actual · FromRgb_assumed · RGB_assumed
        // Reorder rows and columns from RGB to BGR.
        var bgr = new float[3, 3];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                bgr[2 - r, 2 - c] = (float)m[r, c];
            }
        }

        return Mat.FromArray(bgr);
    }

    /// <summary>R'G'B' (0..1) → (Y', Pb, Pr).</summary>
    public static double[,] FromRgb((double Kr, double Kb) k)
    {
        double kg = 1 - k.Kr - k.Kb;
        return new double[,]
        {
            { k.Kr, kg, k.Kb },
            { -k.Kr / (2 * (1 - k.Kb)), -kg / (2 * (1 - k.Kb)), 0.5 },
            { 0.5, -kg / (2 * (1 - k.Kr)), -k.Kb / (2 * (1 - k.Kr)) },
        };
    }

    /// <summary>(Y', Pb, Pr) → R'G'B' (0..1).</summary>
    public static double[,] ToRgb((double Kr, double Kb) k)
    {
        double kg = 1 - k.Kr - k.Kb;
        return new double[,]
        {
            { 1, 0, 2 * (1 - k.Kr) },
            { 1, -2 * (1 - k.Kb) * k.Kb / kg, -2 * (1 - k.Kr) * k.Kr / kg },
            { 1, 2 * (1 - k.Kb), 0 },
        };
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    r[i, j] += a[i, k] * b[k, j];
                }
            }
        }

        return r;
    }
}
