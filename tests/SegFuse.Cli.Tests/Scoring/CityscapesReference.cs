using SegFuse.Labels;

namespace SegFuse.Cli.Tests.Scoring;

/// <summary>
/// An independent, deliberately plain re-statement of cityscapesScripts' evalPixelLevelSemanticLabeling
/// for the tests: a 2D confusion matrix indexed by raw ids, per-instance masks and float weights summed
/// in image order, fp/fn by the reference's row/column rules. It shares no code with SegFuse's scorer;
/// only the label table (names, flags, avgClassSize) comes from the label set.
/// </summary>
internal sealed class CityscapesReference
{
    private readonly LabelSet _set;
    private readonly long[,] _cm;
    private readonly int _size;
    private readonly Dictionary<string, (double TpW, double FnW)> _instClasses = [];
    private readonly Dictionary<string, (double TpW, double FnW, int[] LabelIds)> _instCategories = [];

    public CityscapesReference(LabelSet set)
    {
        _set = set;
        _size = set.MaxId + 1;
        _cm = new long[_size, _size];
        foreach (var l in set.Classes.Where(l => l.HasInstances && !l.IgnoreInEval))
        {
            _instClasses[l.Name] = (0, 0);
        }

        foreach (var category in set.Classes.Select(l => l.Category).Distinct())
        {
            var members = set.Classes.Where(l => l.Category == category).ToArray();
            if (members.All(l => l.HasInstances))
            {
                _instCategories[category!] = (0, 0, members.Select(l => l.Id).ToArray());
            }
        }
    }

    public void EvaluatePair(int[,] pred, int[,] gt, int[,]? inst)
    {
        int h = gt.GetLength(0), w = gt.GetLength(1);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                _cm[gt[y, x], pred[y, x]]++;
            }
        }

        if (inst is null)
        {
            return;
        }

        var instIds = new SortedSet<int>();
        foreach (int v in inst)
        {
            if (v > 1000)
            {
                instIds.Add(v);
            }
        }

        foreach (int instId in instIds)
        {
            int labelId = instId / 1000;
            var label = _set[labelId];
            if (label.IgnoreInEval)
            {
                continue;
            }

            int instSize = 0, tp = 0, catTp = 0;
            int[]? catIds = label.Category is { } c && _instCategories.TryGetValue(c, out var cat) ? cat.LabelIds : null;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    if (inst[y, x] != instId)
                    {
                        continue;
                    }

                    instSize++;
                    if (pred[y, x] == labelId)
                    {
                        tp++;
                    }

                    if (catIds is not null && catIds.Contains(pred[y, x]))
                    {
                        catTp++;
                    }
                }
            }

            int fn = instSize - tp;
            double weight = label.AvgInstanceSize!.Value / instSize;
            var s = _instClasses[label.Name];
            _instClasses[label.Name] = (s.TpW + (tp * weight), s.FnW + (fn * weight));
            if (catIds is not null)
            {
                var cs = _instCategories[label.Category!];
                _instCategories[label.Category!] = (cs.TpW + (catTp * weight), cs.FnW + ((instSize - catTp) * weight), cs.LabelIds);
            }
        }
    }

    private IEnumerable<int> EvalLabels => _set.Classes.Select(l => l.Id);

    public double ClassIou(int label)
    {
        if (_set[label].IgnoreInEval)
        {
            return double.NaN;
        }

        long tp = _cm[label, label];
        long fn = Enumerable.Range(0, _size).Sum(c => _cm[label, c]) - tp;
        long fp = EvalLabels.Where(l => !_set[l].IgnoreInEval && l != label).Sum(l => _cm[l, label]);
        long denom = tp + fp + fn;
        return denom == 0 ? double.NaN : (double)tp / denom;
    }

    public double ClassInstIou(int label)
    {
        var l = _set[label];
        if (l.IgnoreInEval || !_instClasses.TryGetValue(l.Name, out var s))
        {
            return double.NaN;
        }

        long fp = EvalLabels.Where(x => !_set[x].IgnoreInEval && x != label).Sum(x => _cm[x, label]);
        double denom = s.TpW + fp + s.FnW;
        return denom == 0 ? double.NaN : s.TpW / denom;
    }

    public double CategoryIou(string category)
    {
        var ids = _set.Classes.Where(l => l.Category == category && !l.IgnoreInEval).Select(l => l.Id).ToArray();
        if (ids.Length == 0)
        {
            return double.NaN;
        }

        long tp = 0, rows = 0, fp = 0;
        foreach (int r in ids)
        {
            foreach (int c in ids)
            {
                tp += _cm[r, c];
            }

            for (int c = 0; c < _size; c++)
            {
                rows += _cm[r, c];
            }
        }

        long fn = rows - tp;
        foreach (int r in EvalLabels.Where(l => !_set[l].IgnoreInEval && _set[l].Category != category))
        {
            foreach (int c in ids)
            {
                fp += _cm[r, c];
            }
        }

        long denom = tp + fp + fn;
        return denom == 0 ? double.NaN : (double)tp / denom;
    }

    public double CategoryInstIou(string category)
    {
        if (!_instCategories.TryGetValue(category, out var s))
        {
            return double.NaN;
        }

        long fp = 0;
        foreach (int r in EvalLabels.Where(l => !_set[l].IgnoreInEval && _set[l].Category != category))
        {
            foreach (int c in s.LabelIds)
            {
                fp += _cm[r, c];
            }
        }

        double denom = s.TpW + fp + s.FnW;
        return denom == 0 ? double.NaN : s.TpW / denom;
    }

    public static double Average(IEnumerable<double> scores)
    {
        var valid = scores.Where(s => !double.IsNaN(s)).ToArray();
        return valid.Length == 0 ? double.NaN : valid.Sum() / valid.Length;
    }

    public IEnumerable<string> Categories => _set.Classes.Select(l => l.Category!).Distinct();

    public long Confusion(int gt, int pred) => _cm[gt, pred];
}
