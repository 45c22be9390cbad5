using ActorLog.Common;
using ActorLog.Groups.Assignment;
using ActorLog.Log;

namespace ActorLog.Groups.Offsets;

/// <summary>
/// One group's view of the offsets topic, folded from its records: of a key's records the one first written latest
/// wins (its original offset, <see cref="KeyedLogCleaner.OriginalOffset"/>: the log's cleaning appends copies of older
/// records after newer ones), and a tombstone removes it. The coordinator rebuilds this from the log on every
/// (re)load, so it is exactly what the replicated log says and nothing more.
/// </summary>
public sealed class GroupOffsets(string groupId)
{
    private readonly SortedDictionary<TopicPartition, OffsetValue> _offsets = new(TopicPartitionOrder.Instance);

    /// <summary>The version of the record each key holds (tombstoned keys too: an older copy must not bring them back).</summary>
    private readonly Dictionary<TopicPartition, long> _versions = new();

    private long _groupVersion = -1;

    public string GroupId { get; } = groupId;

    /// <summary>The group has a live group record (it was joined and not deleted since).</summary>
    public bool GroupRecorded { get; private set; }

    public IReadOnlyDictionary<TopicPartition, OffsetValue> Offsets => _offsets;

    /// <summary>Nothing in the log says the group exists.</summary>
    public bool IsEmpty => !GroupRecorded && _offsets.Count == 0;

    /// <summary>
    /// Applies a record unless its key holds one of a later <paramref name="version"/> (its original offset); records of
    /// other groups are ignored. A record just acknowledged (the default) is the newest there is.
    /// </summary>
    public void Apply(OffsetsRecord record, long version = long.MaxValue)
    {
        if (record.GroupId != GroupId) return;
        switch (record)
        {
            case OffsetCommitRecord c:
                if (_versions.TryGetValue(c.Partition, out var held) && version < held) return;
                _versions[c.Partition] = version;
                if (c.Value is null) _offsets.Remove(c.Partition);
                else _offsets[c.Partition] = c.Value;
                break;
            case GroupRecord g:
                if (version < _groupVersion) return;
                _groupVersion = version;
                GroupRecorded = g.Assignor is not null;
                break;
        }
    }

    /// <summary>Applies the group's records of fetched batches from <paramref name="from"/> on; returns the offset after the last one read.</summary>
    public long ApplyBatches(IReadOnlyList<RecordBatch> batches, long from)
    {
        foreach (var (record, version) in OffsetsRecordCodec.Read(batches, from, GroupId)) Apply(record, version);
        return batches.Count == 0 ? from : Math.Max(from, batches[^1].NextOffset);
    }

    /// <summary>An independent copy (the offsets loader keeps folding its own while a coordinator changes this one).</summary>
    public GroupOffsets Copy()
    {
        var copy = new GroupOffsets(GroupId) { GroupRecorded = GroupRecorded, _groupVersion = _groupVersion };
        foreach (var (tp, value) in _offsets) copy._offsets[tp] = value;
        foreach (var (tp, version) in _versions) copy._versions[tp] = version;
        return copy;
    }

    public OffsetValue? Find(TopicPartition tp) => _offsets.GetValueOrDefault(tp);

    /// <summary>The records that delete the group: a tombstone for every offset and for the group record.</summary>
    public IReadOnlyList<OffsetsRecord> DeletionRecords() =>
        _offsets.Keys.Select(tp => (OffsetsRecord)new OffsetCommitRecord(GroupId, tp, null)).Append(new GroupRecord(GroupId, null)).ToList();
}
