using System.Runtime.CompilerServices;
using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>Look-up tables derived once per label set for the scoring loops.</summary>
internal sealed class ScoringTables
{
    private static readonly ConditionalWeakTable<LabelSet, ScoringTables> Cache = [];
    private readonly bool[] _isInstanceLabel;
    private readonly int[] _instanceCategoryOfLabel;
    private readonly bool[][] _instanceCategoryMembers;

    private ScoringTables(LabelSet set)
    {
        int n = set.Classes.Count;
        int len = set.MaxId + 1;
        IdToRowOffset = new int[len];
        IdToPredIndex = new int[len];
        IdToId = new int[len];
        Array.Fill(IdToRowOffset, int.MinValue / 2);
        Array.Fill(IdToPredIndex, int.MinValue / 2);
        Array.Fill(IdToId, -1);
        for (int i = 0; i < n; i++)
        {
            int id = set.Classes[i].Id;
            IdToRowOffset[id] = i * n;
            IdToPredIndex[id] = i;
            IdToId[id] = id;
        }

        TrainIdToId = set.TrainIdLookup() ?? IdToId;
        TrainIdToPredIndex = TrainIdToId.Select(id => id >= 0 ? IdToPredIndex[id] : int.MinValue / 2).ToArray();

        _isInstanceLabel = new bool[len];
        foreach (var c in set.Classes)
        {
            _isInstanceLabel[c.Id] = c.HasInstances && !c.IgnoreInEval && c.AvgInstanceSize is not null;
        }

        // Instance categories (cityscapesScripts): categories all of whose labels have instances; their
        // members include ignored labels with instances (Cityscapes' vehicle: caravan and trailer too).
        InstanceCategories = set.Classes
            .Where(c => c.Category is not null)
            .GroupBy(c => c.Category!)
            .Where(g => g.All(c => c.HasInstances))
            .Select(g => (g.Key, (IReadOnlyList<int>)g.Select(c => c.Id).ToArray()))
            .ToArray();
        _instanceCategoryOfLabel = new int[len];
        Array.Fill(_instanceCategoryOfLabel, -1);
        _instanceCategoryMembers = new bool[InstanceCategories.Count][];
        for (int k = 0; k < InstanceCategories.Count; k++)
        {
            _instanceCategoryMembers[k] = new bool[len];
            foreach (int id in InstanceCategories[k].Ids)
            {
                _instanceCategoryMembers[k][id] = true;
                _instanceCategoryOfLabel[id] = k;
            }
        }
    }

    /// <summary>Ground-truth id → class index × class count (the row's offset), or a large negative for ids outside the set.</summary>
    public int[] IdToRowOffset { get; }

    /// <summary>Prediction id → class index, or a large negative.</summary>
    public int[] IdToPredIndex { get; }

    /// <summary>Stored train id → class index of its id, or a large negative.</summary>
    public int[] TrainIdToPredIndex { get; }

    /// <summary>Id → id for ids in the set, -1 otherwise.</summary>
    public int[] IdToId { get; }

    /// <summary>Train id → id, -1 otherwise (the identity table for sets without train ids).</summary>
    public int[] TrainIdToId { get; }

    /// <summary>Categories whose labels all have instances, with their label ids.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<int> Ids)> InstanceCategories { get; }

    public static ScoringTables For(LabelSet set) => Cache.GetValue(set, s => new ScoringTables(s));

    public static bool SameIds(LabelSet a, LabelSet b) =>
        ReferenceEquals(a, b) || (a.Name == b.Name && a.Classes.Select(c => c.Id).SequenceEqual(b.Classes.Select(c => c.Id)));

    public bool IsInstanceLabel(int id) => (uint)id < (uint)_isInstanceLabel.Length && _isInstanceLabel[id];

    public bool InSameInstanceCategory(int instanceLabel, int predId)
    {
        int k = _instanceCategoryOfLabel[instanceLabel];
        return k >= 0 && (uint)predId < (uint)_instanceCategoryMembers[k].Length && _instanceCategoryMembers[k][predId];
    }
}
