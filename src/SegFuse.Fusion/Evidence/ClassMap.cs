using SegFuse.Labels;

namespace SegFuse.Fusion.Evidence;

/// <summary>
/// Maps a label set's ids to compact class indices 0..Count−1 (one byte each) and back. Evidence is kept per class
/// index so that a pixel's slots fit in a few bytes whatever the ids are.
/// </summary>
internal sealed class ClassMap
{
    /// <summary>The largest number of classes evidence can hold: index 255 marks an empty slot.</summary>
    public const int MaxClasses = 255;

    private readonly byte[] _idToIndex;
    private readonly ushort[] _indexToId;

    /// <summary>Builds the map of <paramref name="set"/>.</summary>
    /// <exception cref="SegFuseInputException">The set has more than <see cref="MaxClasses"/> labels.</exception>
    public ClassMap(LabelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Classes.Count > MaxClasses)
        {
            throw new SegFuseInputException("--labels", $"label set {set.Name} has {set.Classes.Count} labels; fusion handles at most {MaxClasses}");
        }

        Set = set;
        _idToIndex = new byte[set.MaxId + 1];
        _idToIndex.AsSpan().Fill(EvidenceOps.NoClass);
        _indexToId = new ushort[set.Classes.Count];
        for (int i = 0; i < set.Classes.Count; i++)
        {
            _idToIndex[set.Classes[i].Id] = (byte)i;
            _indexToId[i] = (ushort)set.Classes[i].Id;
        }
    }

    /// <summary>The label set.</summary>
    public LabelSet Set { get; }

    /// <summary>Number of classes (labels of the set).</summary>
    public int Count => _indexToId.Length;

    /// <summary>Class index of each id (length MaxId + 1), <see cref="EvidenceOps.NoClass"/> for ids outside the set.</summary>
    public ReadOnlySpan<byte> IdToIndex => _idToIndex;

    /// <summary>Label id of each class index.</summary>
    public ReadOnlySpan<ushort> IndexToId => _indexToId;

    /// <summary>The label id of class index <paramref name="index"/>.</summary>
    public ushort IdOf(int index) => _indexToId[index];

    /// <summary>The class index of label id <paramref name="id"/>, or <see cref="EvidenceOps.NoClass"/>.</summary>
    public byte IndexOf(int id) => (uint)id < (uint)_idToIndex.Length ? _idToIndex[id] : EvidenceOps.NoClass;

    /// <summary>
    /// The label ids of the channels of a score tensor with <paramref name="channels"/> channels: one per evaluated label
    /// (a model's output, e.g. the 19 Cityscapes train ids) or one per label of the set.
    /// </summary>
    /// <exception cref="SegFuseInputException">Neither count matches; <paramref name="subject"/> names the file.</exception>
    public byte[] ChannelClasses(int channels, string subject)
    {
        IReadOnlyList<LabelClass> classes = channels == Set.Evaluated.Count ? Set.Evaluated
            : channels == Set.Classes.Count ? Set.Classes
            : throw new SegFuseInputException(subject, $"holds {channels} score channels but label set {Set.Name} has {Set.Evaluated.Count} evaluated labels ({Set.Classes.Count} ids)");
        return classes.Select(c => _idToIndex[c.Id]).ToArray();
    }
}
