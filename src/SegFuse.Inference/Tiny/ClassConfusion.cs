namespace SegFuse.Inference.Tiny;

/// <summary>
/// A small confusion matrix over output classes, for the figures <c>model-tiny</c> reports (pixel accuracy,
/// class IoU and their mean, skipping classes that appear in neither truth nor prediction). Scoring proper is
/// the score stage's job; this only describes the fit.
/// </summary>
internal sealed class ClassConfusion(int classes)
{
    private readonly long[] _counts = new long[classes * classes];

    public int Classes { get; } = classes;

    /// <summary>Counts pixels whose truth is a class (<paramref name="truthClass"/> ≥ 0; ignored pixels are −1).</summary>
    public void Add(ReadOnlySpan<int> truthClass, ReadOnlySpan<ushort> predicted)
    {
        for (int i = 0; i < truthClass.Length; i++)
        {
            int t = truthClass[i];
            if (t >= 0)
            {
                _counts[(t * Classes) + predicted[i]]++;
            }
        }
    }

    public void Add(int truthClass, int predictedClass) => _counts[(truthClass * Classes) + predictedClass]++;

    public long Total => _counts.Sum();

    public double PixelAccuracy
    {
        get
        {
            long correct = 0;
            for (int j = 0; j < Classes; j++)
            {
                correct += _counts[(j * Classes) + j];
            }

            long total = Total;
            return total == 0 ? double.NaN : (double)correct / total;
        }
    }

    /// <summary>IoU of class <paramref name="j"/>, NaN when it has no pixel in truth or prediction.</summary>
    public double IoU(int j)
    {
        long tp = _counts[(j * Classes) + j], fn = 0, fp = 0;
        for (int k = 0; k < Classes; k++)
        {
            if (k != j)
            {
                fn += _counts[(j * Classes) + k];
                fp += _counts[(k * Classes) + j];
            }
        }

        long union = tp + fn + fp;
        return union == 0 ? double.NaN : (double)tp / union;
    }

    /// <summary>Mean of the defined class IoUs.</summary>
    public double MeanIoU
    {
        get
        {
            var defined = Enumerable.Range(0, Classes).Select(IoU).Where(v => !double.IsNaN(v)).ToArray();
            return defined.Length == 0 ? double.NaN : defined.Average();
        }
    }

    /// <summary>Classes that occur in the truth.</summary>
    public int ClassesInTruth => Enumerable.Range(0, Classes).Count(j => Enumerable.Range(0, Classes).Any(k => _counts[(j * Classes) + k] > 0));
}
