using SegFuse.Labels;

namespace SegFuse.Media.Tests.Support;

/// <summary>
/// An independent pixel count for tests: dataset-wide TP/FP/FN per class (GT pixels of the ignore id are skipped),
/// IoU per class, mean over the classes present in GT or prediction.
/// </summary>
internal sealed class Miou(int classes = 19, int ignore = 255)
{
    private readonly long[] _tp = new long[classes];
    private readonly long[] _fp = new long[classes];
    private readonly long[] _fn = new long[classes];

    public void Add(LabelMap gt, LabelMap pred)
    {
        Assert.Equal(gt.Width, pred.Width);
        Assert.Equal(gt.Height, pred.Height);
        var g = gt.Span;
        var p = pred.Span;
        for (int i = 0; i < g.Length; i++)
        {
            int a = g[i], b = p[i];
            if (a == ignore)
            {
                continue;
            }

            if (a == b)
            {
                _tp[a]++;
            }
            else
            {
                _fn[a]++;
                if (b < classes)
                {
                    _fp[b]++;
                }
            }
        }
    }

    public double? Iou(int c) => _tp[c] + _fp[c] + _fn[c] == 0 ? null : (double)_tp[c] / (_tp[c] + _fp[c] + _fn[c]);

    public double Mean => Enumerable.Range(0, classes).Select(Iou).Where(v => v is not null).Average(v => v!.Value);

    public string Describe() => string.Join(", ", Enumerable.Range(0, classes).Where(c => Iou(c) is not null).Select(c => $"{c}:{Iou(c):0.0000}"));
}
