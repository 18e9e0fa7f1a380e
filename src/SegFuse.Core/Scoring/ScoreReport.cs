using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>Intersection-over-union figures of one class or category, with the counts behind them.</summary>
/// <param name="Name">Class or category name.</param>
/// <param name="Iou">IoU, NaN where tp + fp + fn = 0 (Cityscapes rules) or where not evaluated.</param>
/// <param name="InstIou">Instance-weighted iIoU, NaN where not defined.</param>
/// <param name="Tp">True-positive pixels.</param>
/// <param name="Fp">False-positive pixels (ground truth of another evaluated label).</param>
/// <param name="Fn">False-negative pixels (incl. predictions of ignored ids).</param>
public readonly record struct ClassScore(string Name, double Iou, double InstIou, long Tp, long Fp, long Fn);

/// <summary>
/// The figures of a scored data set, computed from a <see cref="JaccardAccumulator"/> by the label set's
/// challenge rules (cityscapesScripts' evalPixelLevelSemanticLabeling, or the ADE20K devkit).
/// </summary>
public sealed class ScoreReport
{
    private ScoreReport(JaccardAccumulator acc)
    {
        Accumulator = acc;
        var set = acc.Set;
        int n = acc.ClassCount;
        var classes = set.Classes;
        bool ade = set.Rules == ScoringRules.Ade20k;

        // Row sums and fp over evaluated rows, per class index.
        var rowSum = new long[n];
        var fpEval = new long[n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                long v = acc[r, c];
                rowSum[r] += v;
                if (r != c && !classes[r].IgnoreInEval)
                {
                    fpEval[c] += v;
                }
            }
        }

        // Instance-weighted tp/fn per label and per instance category, summed in a fixed order
        // (label id, then instance size) so the result does not depend on how the data was sharded.
        var instTp = new Dictionary<int, double>();
        var instFn = new Dictionary<int, double>();
        var catInstTp = new Dictionary<string, double>();
        var catInstFn = new Dictionary<string, double>();
        var tables = ScoringTables.For(set);
        if (acc.HasInstanceStats)
        {
            foreach (var c in classes)
            {
                if (tables.IsInstanceLabel(c.Id))
                {
                    instTp[c.Id] = 0;
                    instFn[c.Id] = 0;
                }
            }

            foreach (var (name, _) in tables.InstanceCategories)
            {
                catInstTp[name] = 0;
                catInstFn[name] = 0;
            }

            foreach (var ((labelId, size), counts) in acc.Instances.OrderBy(kv => kv.Key.LabelId).ThenBy(kv => kv.Key.Size))
            {
                var label = set[labelId];
                double weight = label.AvgInstanceSize!.Value / size;
                instTp[labelId] += counts.Tp * weight;
                instFn[labelId] += counts.Fn * weight;
                if (label.Category is { } cat && catInstTp.ContainsKey(cat))
                {
                    catInstTp[cat] += counts.CategoryTp * weight;
                    catInstFn[cat] += counts.CategoryFn * weight;
                }
            }
        }

        var classScores = new List<ClassScore>(n);
        long correct = 0, labeled = 0;
        double accSum = 0;
        int accCount = 0;
        for (int i = 0; i < n; i++)
        {
            var c = classes[i];
            long tp = acc[i, i];
            long fn = rowSum[i] - tp;
            long fp = fpEval[i];
            double iou = double.NaN, inst = double.NaN;
            if (!c.IgnoreInEval)
            {
                long denom = tp + fp + fn;
                iou = denom > 0 ? (double)tp / denom : (ade ? 0.0 : double.NaN);
                if (instTp.TryGetValue(c.Id, out double wtp))
                {
                    double d = wtp + instFn[c.Id] + fp;
                    inst = d > 0 ? wtp / d : double.NaN;
                }

                correct += tp;
                labeled += rowSum[i];
                if (rowSum[i] > 0)
                {
                    accSum += (double)tp / rowSum[i];
                    accCount++;
                }
            }

            classScores.Add(new ClassScore(c.Name, iou, inst, tp, fp, fn));
        }

        Classes = classScores;

        // Categories, in the order they first appear in the label table.
        var categoryScores = new List<ClassScore>();
        foreach (string cat in classes.Select(c => c.Category).OfType<string>().Distinct())
        {
            int[] members = Enumerable.Range(0, n).Where(i => classes[i].Category == cat && !classes[i].IgnoreInEval).ToArray();
            double iou = double.NaN, inst = double.NaN;
            long tp = 0, fp = 0, fn = 0;
            if (members.Length > 0)
            {
                var inCat = new bool[n];
                foreach (int m in members)
                {
                    inCat[m] = true;
                }

                foreach (int r in members)
                {
                    for (int c = 0; c < n; c++)
                    {
                        if (inCat[c])
                        {
                            tp += acc[r, c];
                        }
                    }

                    fn += rowSum[r];
                }

                fn -= tp;
                for (int r = 0; r < n; r++)
                {
                    if (!classes[r].IgnoreInEval && classes[r].Category != cat)
                    {
                        foreach (int c in members)
                        {
                            fp += acc[r, c];
                        }
                    }
                }

                long denom = tp + fp + fn;
                iou = denom > 0 ? (double)tp / denom : double.NaN;
            }

            if (catInstTp.TryGetValue(cat, out double ctp))
            {
                // cityscapesScripts: the instance category's fp columns are all its labels with instances,
                // ignored ones included.
                var ids = tables.InstanceCategories.First(x => x.Name == cat).Ids;
                long cfp = 0;
                for (int r = 0; r < n; r++)
                {
                    if (!classes[r].IgnoreInEval && classes[r].Category != cat)
                    {
                        foreach (int id in ids)
                        {
                            cfp += acc[r, IndexOf(set, id)];
                        }
                    }
                }

                double d = ctp + catInstFn[cat] + cfp;
                inst = d > 0 ? ctp / d : double.NaN;
            }

            categoryScores.Add(new ClassScore(cat, iou, inst, tp, fp, fn));
        }

        Categories = categoryScores;
        var evaluated = classScores.Where((_, i) => !classes[i].IgnoreInEval).ToArray();
        AverageClassIou = ade ? evaluated.Average(s => s.Iou) : NanMean(evaluated.Select(s => s.Iou));
        AverageClassInstIou = NanMean(evaluated.Select(s => s.InstIou));
        AverageCategoryIou = NanMean(categoryScores.Select(s => s.Iou));
        AverageCategoryInstIou = NanMean(categoryScores.Select(s => s.InstIou));
        PixelAccuracy = labeled > 0 ? (double)correct / labeled : double.NaN;
        MeanClassAccuracy = accCount > 0 ? accSum / accCount : double.NaN;
        ChallengeScore = ade ? (PixelAccuracy + AverageClassIou) / 2 : null;
    }

    /// <summary>The counts the figures come from.</summary>
    public JaccardAccumulator Accumulator { get; }

    /// <summary>The label set.</summary>
    public LabelSet Set => Accumulator.Set;

    /// <summary>Every label of the set in id order; ignored labels have NaN scores.</summary>
    public IReadOnlyList<ClassScore> Classes { get; }

    /// <summary>Category scores (empty for sets without categories).</summary>
    public IReadOnlyList<ClassScore> Categories { get; }

    /// <summary>Mean class IoU (mIoU): Cityscapes skips NaN classes; ADE20K averages all evaluated classes.</summary>
    public double AverageClassIou { get; }

    /// <summary>Mean instance-weighted iIoU over classes that have one; NaN without instance statistics.</summary>
    public double AverageClassInstIou { get; }

    /// <summary>Mean category IoU.</summary>
    public double AverageCategoryIou { get; }

    /// <summary>Mean category iIoU.</summary>
    public double AverageCategoryInstIou { get; }

    /// <summary>Correct pixels / pixels whose ground truth is an evaluated label.</summary>
    public double PixelAccuracy { get; }

    /// <summary>Mean over evaluated classes present in the ground truth of tp / (tp + fn).</summary>
    public double MeanClassAccuracy { get; }

    /// <summary>ADE20K's challenge score, (pixel accuracy + mIoU) / 2; null for other rules.</summary>
    public double? ChallengeScore { get; }

    /// <summary>Computes the figures of <paramref name="accumulator"/>.</summary>
    public static ScoreReport From(JaccardAccumulator accumulator)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        return new ScoreReport(accumulator);
    }

    private static int IndexOf(LabelSet set, int id) => set.IdToIndex[id];

    private static double NanMean(IEnumerable<double> values)
    {
        double sum = 0;
        int count = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                count++;
            }
        }

        return count > 0 ? sum / count : double.NaN;
    }
}
