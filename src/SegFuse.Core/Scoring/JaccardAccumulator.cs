using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>
/// The dataset-wide Jaccard accumulator: a confusion matrix over every id of a label set (rows = ground
/// truth, columns = prediction) and the instance statistics for iIoU, summed over all frames. Figures are
/// computed only at the end (<see cref="ScoreReport"/>), never averaged per image.
/// </summary>
/// <remarks>
/// Everything it holds is an integer count, so two accumulators <see cref="Merge"/> exactly: the score of
/// merged shards equals the score of the whole, bit for bit. Instance weights (avgClassSize / instance
/// size) are applied only when the report is made, to counts grouped by (label, instance size).
/// Not thread-safe: use one accumulator per worker and merge them.
/// </remarks>
public sealed class JaccardAccumulator
{
    /// <summary>Added to a look-up entry to mark an id outside the set; any sum with it stays negative.</summary>
    private const int Invalid = int.MinValue / 2;

    private readonly long[] _confusion;
    private readonly Dictionary<(int LabelId, int Size), InstanceCounts> _instances = [];
    private readonly ScoringTables _tables;

    /// <summary>Creates an empty accumulator for <paramref name="set"/>.</summary>
    public JaccardAccumulator(LabelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Set = set;
        _tables = ScoringTables.For(set);
        _confusion = new long[ClassCount * ClassCount];
    }

    /// <summary>The label set scored.</summary>
    public LabelSet Set { get; }

    /// <summary>Number of labels in the set; the confusion matrix is ClassCount × ClassCount in <see cref="LabelSet.Classes"/> order.</summary>
    public int ClassCount => Set.Classes.Count;

    /// <summary>Frames added.</summary>
    public long Frames { get; private set; }

    /// <summary>Pixels added.</summary>
    public long Pixels { get; private set; }

    /// <summary>Whether instance statistics were gathered (iIoU is reported only then).</summary>
    public bool HasInstanceStats { get; private set; }

    /// <summary>Confusion count of ground-truth class index <paramref name="gt"/> predicted as class index <paramref name="pred"/>.</summary>
    public long this[int gt, int pred] => _confusion[(gt * ClassCount) + pred];

    /// <summary>Instance counts grouped by (label id, instance size in pixels).</summary>
    public IReadOnlyDictionary<(int LabelId, int Size), InstanceCounts> Instances => _instances;

    /// <summary>Adds one frame given as label maps in the set's ids. The names are used in error messages.</summary>
    /// <exception cref="SegFuseInputException">Sizes differ or an id is outside the set.</exception>
    public void Add(LabelMap groundTruth, LabelMap prediction, string groundTruthName = "ground truth", string predictionName = "prediction")
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(prediction);
        CheckSize(groundTruth.Width, groundTruth.Height, prediction.Width, prediction.Height, groundTruthName, predictionName);
        Add<ushort, ushort>(groundTruth.Span, prediction.Span, groundTruth.Width, _tables.IdToPredIndex, groundTruthName, predictionName);
    }

    /// <summary>
    /// Adds one frame given as raw pixel rows (8- or 16-bit ids, row after row, <paramref name="width"/> per row).
    /// <paramref name="predLookup"/> maps a stored prediction value to a class index (see <see cref="PredictionLookup"/>).
    /// </summary>
    internal void Add<TG, TP>(ReadOnlySpan<TG> gt, ReadOnlySpan<TP> pred, int width, int[] predLookup, string gtName, string predName)
        where TG : unmanaged, System.Numerics.IBinaryInteger<TG>
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        int n = ClassCount;

        // One image's counts in 32-bit cells (an image has < 2^31 pixels), added to the 64-bit matrix at the end.
        // Rented, not allocated: a video scorer adds tens of thousands of frames and should not grow the heap by frame.
        int[] rented = ArrayPool<int>.Shared.Rent(n * n);
        try
        {
            AddCounts(gt, pred, width, predLookup, gtName, predName, rented.AsSpan(0, n * n));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        Frames++;
        Pixels += gt.Length;
    }

    private void AddCounts<TG, TP>(ReadOnlySpan<TG> gt, ReadOnlySpan<TP> pred, int width, int[] predLookup, string gtName, string predName, Span<int> local)
        where TG : unmanaged, System.Numerics.IBinaryInteger<TG>
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        local.Clear();
        int[] gtLookup = _tables.IdToRowOffset;
        ref int gtRef = ref MemoryMarshal.GetArrayDataReference(gtLookup);
        ref int predRef = ref MemoryMarshal.GetArrayDataReference(predLookup);
        int gtLimit = gtLookup.Length, predLimit = predLookup.Length;

        // Neighbouring pixels mostly share their (gt, pred) pair: count runs and add each run once,
        // which avoids a store-to-load dependency on one cell for every pixel.
        int runKey = -1, runLength = 0;
        for (int i = 0; i < gt.Length; i++)
        {
            uint g = uint.CreateTruncating(gt[i]);
            uint p = uint.CreateTruncating(pred[i]);
            int gv = g < (uint)gtLimit ? Unsafe.Add(ref gtRef, (int)g) : Invalid;
            int pv = p < (uint)predLimit ? Unsafe.Add(ref predRef, (int)p) : Invalid;
            int key = gv + pv;
            if (key == runKey)
            {
                runLength++;
                continue;
            }

            if (key < 0)
            {
                ThrowInvalidPixel(gt, pred, i, width, gtLookup, predLookup, gtName, predName);
            }

            if (runLength > 0)
            {
                local[runKey] += runLength;
            }

            runKey = key;
            runLength = 1;
        }

        if (runLength > 0)
        {
            local[runKey] += runLength;
        }

        for (int i = 0; i < local.Length; i++)
        {
            _confusion[i] += local[i];
        }
    }

    /// <summary>
    /// Adds the instance statistics of one frame: for each ground-truth instance (value ≥ 1000 in the
    /// instance map, label = value / 1000) of an evaluated label with instances, its size, the pixels
    /// predicted as its label and the pixels predicted as any label of its instance category.
    /// Call it for every frame added, before or after <see cref="Add(LabelMap, LabelMap, string, string)"/>.
    /// </summary>
    /// <param name="instances">The instance map (Cityscapes <c>_instanceIds.png</c>).</param>
    /// <param name="pred">The prediction, same size.</param>
    /// <param name="predToId">Maps a stored prediction value to the set's id (identity for id-encoded predictions).</param>
    /// <param name="instanceName">Names the instance file in errors.</param>
    internal void AddInstances<TI, TP>(ReadOnlySpan<TI> instances, ReadOnlySpan<TP> pred, int[] predToId, string instanceName)
        where TI : unmanaged, System.Numerics.IBinaryInteger<TI>
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        HasInstanceStats = true;
        var perInstance = new Dictionary<int, (int Size, int Tp, int CatTp)>();
        int lastId = -1;
        (int Size, int Tp, int CatTp) last = default;
        for (int i = 0; i < instances.Length; i++)
        {
            int v = int.CreateTruncating(instances[i]);
            if (v < 1000)
            {
                continue;
            }

            int label = v / 1000;
            if (!_tables.IsInstanceLabel(label))
            {
                if (!Set.Contains(label))
                {
                    throw new SegFuseInputException(instanceName, $"instance id {v} names label {label}, which is not in the {Set.Name} label set");
                }

                continue;
            }

            if (v != lastId)
            {
                if (lastId >= 0)
                {
                    perInstance[lastId] = last;
                }

                perInstance.TryGetValue(v, out last);
                lastId = v;
            }

            uint p = uint.CreateTruncating(pred[i]);
            int predId = p < (uint)predToId.Length ? predToId[p] : -1;
            last.Size++;
            if (predId == label)
            {
                last.Tp++;
            }

            if (predId >= 0 && _tables.InSameInstanceCategory(label, predId))
            {
                last.CatTp++;
            }
        }

        if (lastId >= 0)
        {
            perInstance[lastId] = last;
        }

        foreach (var (id, c) in perInstance)
        {
            var key = (id / 1000, c.Size);
            _instances.TryGetValue(key, out var sum);
            _instances[key] = new InstanceCounts(sum.Count + 1, sum.Tp + c.Tp, sum.Fn + (c.Size - c.Tp), sum.CategoryTp + c.CatTp, sum.CategoryFn + (c.Size - c.CatTp));
        }
    }

    /// <summary>Marks that instance statistics are part of this accumulator even if no frame had instances.</summary>
    internal void EnableInstanceStats() => HasInstanceStats = true;

    /// <summary>Adds every count of <paramref name="other"/> (same label set) to this accumulator.</summary>
    public void Merge(JaccardAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!ScoringTables.SameIds(Set, other.Set))
        {
            throw new ArgumentException($"cannot merge scores of label set {other.Set.Name} into {Set.Name}", nameof(other));
        }

        for (int i = 0; i < _confusion.Length; i++)
        {
            _confusion[i] += other._confusion[i];
        }

        foreach (var (key, c) in other._instances)
        {
            _instances.TryGetValue(key, out var sum);
            _instances[key] = sum + c;
        }

        Frames += other.Frames;
        Pixels += other.Pixels;
        HasInstanceStats |= other.HasInstanceStats;
    }

    /// <summary>Adds raw counts (used when reading a partial accumulator from JSON).</summary>
    internal void AddCounts(ReadOnlySpan<long> confusion, long frames, long pixels)
    {
        for (int i = 0; i < confusion.Length; i++)
        {
            _confusion[i] += confusion[i];
        }

        Frames += frames;
        Pixels += pixels;
    }

    /// <summary>Adds instance counts for (label id, size) (used when reading a partial accumulator).</summary>
    internal void AddInstanceCounts(int labelId, int size, InstanceCounts counts)
    {
        HasInstanceStats = true;
        var key = (labelId, size);
        _instances.TryGetValue(key, out var sum);
        _instances[key] = sum + counts;
    }

    /// <summary>The look-up from stored prediction values to class indices for train ids or ids.</summary>
    internal int[] PredictionLookup(bool trainIds) => trainIds ? _tables.TrainIdToPredIndex : _tables.IdToPredIndex;

    /// <summary>The look-up from stored prediction values to the set's ids for <paramref name="trainIds"/>.</summary>
    internal int[] PredictionToId(bool trainIds) => trainIds ? _tables.TrainIdToId : _tables.IdToId;

    internal static void CheckSize(int gw, int gh, int pw, int ph, string gtName, string predName)
    {
        if (gw != pw || gh != ph)
        {
            throw new SegFuseInputException(predName, $"size {pw}x{ph} differs from the ground truth {Path.GetFileName(gtName)} ({gw}x{gh})");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowInvalidPixel<TG, TP>(ReadOnlySpan<TG> gt, ReadOnlySpan<TP> pred, int i, int width, int[] gtLookup, int[] predLookup, string gtName, string predName)
        where TG : unmanaged, System.Numerics.IBinaryInteger<TG>
        where TP : unmanaged, System.Numerics.IBinaryInteger<TP>
    {
        int g = int.CreateTruncating(gt[i]);
        int p = int.CreateTruncating(pred[i]);
        (int x, int y) = (i % width, i / width);
        if (g >= gtLookup.Length || gtLookup[g] < 0)
        {
            throw new SegFuseInputException(gtName, $"ground-truth id {g} at pixel ({x},{y}) is not in the {Set.Name} label set");
        }

        throw new SegFuseInputException(predName, $"predicted id {p} at pixel ({x},{y}) is not in the {Set.Name} label set");
    }
}

/// <summary>Instance counts of one (label, instance size) group: how many instances, and their pixel tp/fn for the label and for its category.</summary>
/// <param name="Count">Instances in the group.</param>
/// <param name="Tp">Instance pixels predicted as the instance's label.</param>
/// <param name="Fn">Instance pixels predicted as anything else.</param>
/// <param name="CategoryTp">Instance pixels predicted as any label of the instance's category.</param>
/// <param name="CategoryFn">Instance pixels predicted outside the category.</param>
public readonly record struct InstanceCounts(long Count, long Tp, long Fn, long CategoryTp, long CategoryFn)
{
    /// <summary>Adds two groups' counts.</summary>
    public static InstanceCounts operator +(InstanceCounts a, InstanceCounts b) =>
        new(a.Count + b.Count, a.Tp + b.Tp, a.Fn + b.Fn, a.CategoryTp + b.CategoryTp, a.CategoryFn + b.CategoryFn);

    /// <summary>Adds two groups' counts.</summary>
    public static InstanceCounts Add(InstanceCounts left, InstanceCounts right) => left + right;
}
