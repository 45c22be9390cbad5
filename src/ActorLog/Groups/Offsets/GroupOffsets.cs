using ActorLog.Common;
using ActorLog.Groups.Assignment;
using ActorLog.Log;

namespace ActorLog.Groups.Offsets;

/// <summary>
/// One group's view of the offsets topic, folded from its records in log order: the last record of a key wins
/// and a tombstone removes it. The coordinator rebuilds this from the log on every (re)load, so it is exactly
/// what the replicated log says and nothing more.
/// </summary>
public sealed class GroupOffsets(string groupId)
{
    private readonly SortedDictionary<TopicPartition, OffsetValue> _offsets = new(TopicPartitionOrder.Instance);

    public string GroupId { get; } = groupId;

    /// <summary>The group has a live group record (it was joined and not deleted since).</summary>
    public bool GroupRecorded { get; private set; }

    public IReadOnlyDictionary<TopicPartition, OffsetValue> Offsets => _offsets;

    /// <summary>Nothing in the log says the group exists.</summary>
    public bool IsEmpty => !GroupRecorded && _offsets.Count == 0;

    /// <summary>Applies a record in log order; records of other groups are ignored.</summary>
    public void Apply(OffsetsRecord record)
    {
        if (record.GroupId != GroupId) return;
        switch (record)
        {
            case OffsetCommitRecord { Value: null } c:
                _offsets.Remove(c.Partition);
                break;
            case OffsetCommitRecord c:
                _offsets[c.Partition] = c.Value;
                break;
            case GroupRecord g:
                GroupRecorded = g.Assignor is not null;
                break;
        }
    }

    /// <summary>Applies the group's records of fetched batches from <paramref name="from"/> on; returns the offset after the last one read.</summary>
    public long ApplyBatches(IReadOnlyList<RecordBatch> batches, long from)
    {
        var next = from;
        foreach (var batch in batches)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.BaseOffset + i < from) continue; // a batch may start before the offset asked for
                var record = batch.Records[i];
                if (OffsetsRecordCodec.GroupOf(record) == GroupId && OffsetsRecordCodec.Decode(record) is { } decoded) Apply(decoded);
            }
            next = Math.Max(next, batch.NextOffset);
        }
        return next;
    }

    public OffsetValue? Find(TopicPartition tp) => _offsets.GetValueOrDefault(tp);

    /// <summary>The records that delete the group: a tombstone for every offset and for the group record.</summary>
    public IReadOnlyList<OffsetsRecord> DeletionRecords() =>
        _offsets.Keys.Select(tp => (OffsetsRecord)new OffsetCommitRecord(GroupId, tp, null)).Append(new GroupRecord(GroupId, null)).ToList();
}
