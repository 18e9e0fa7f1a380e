using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.Media.Rendering;

/// <summary>A strip listing label colours and names, drawn once and placed under every rendered frame.</summary>
internal static class Legend
{
    /// <summary>Draws the legend of <paramref name="classes"/> for an output <paramref name="width"/> pixels wide.</summary>
    /// <remarks>The caller owns the returned <see cref="Mat"/>.</remarks>
    public static Mat Draw(IReadOnlyList<LabelClass> classes, int width)
    {
        double scale = width >= 960 ? 0.5 : width >= 480 ? 0.4 : 0.3;
        int lineHeight = (int)Math.Ceiling(40 * scale) + 4;
        int swatch = lineHeight - 6;
        int longest = classes.Count == 0 ? 4 : classes.Max(c => c.Name.Length);
        var font = HersheyFonts.HersheySimplex;
        var text = Cv2.GetTextSize(new string('m', Math.Min(longest, 16)), font, scale, 1, out _);
        int entryWidth = swatch + 8 + text.Width + 12;
        int columns = Math.Max(1, width / entryWidth);
        int rows = Math.Max(1, (classes.Count + columns - 1) / columns);
        var strip = new Mat(rows * lineHeight + 6, width, MatType.CV_8UC3, new Scalar(24, 24, 24));
        for (int i = 0; i < classes.Count; i++)
        {
            int col = i % columns, row = i / columns;
            int x = (col * entryWidth) + 6, y = (row * lineHeight) + 6;
            var c = classes[i].Color;
            Cv2.Rectangle(strip, new Rect(x, y, swatch, swatch), new Scalar(c.B, c.G, c.R), -1);
            Cv2.Rectangle(strip, new Rect(x, y, swatch, swatch), new Scalar(200, 200, 200), 1);
            string name = classes[i].Name.Length > 16 ? classes[i].Name[..16] : classes[i].Name;
            Cv2.PutText(strip, name, new Point(x + swatch + 6, y + swatch - 2), font, scale, new Scalar(235, 235, 235), 1, LineTypes.AntiAlias);
        }

        return strip;
    }
}
