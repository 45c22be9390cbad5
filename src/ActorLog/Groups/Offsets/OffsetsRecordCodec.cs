using System.Text;
using ActorLog.Common;
using ActorLog.Log;

namespace ActorLog.Groups.Offsets;

/// <summary>
/// The binary encoding of <see cref="OffsetsRecord"/>s as log records (frozen: the offsets topic keeps them).
/// Key: a kind byte (0 = offset commit, 1 = group), then the group id, and for commits the topic and partition;
/// strings are length-prefixed UTF-8 (BinaryWriter), numbers little-endian. Value: a version byte (0), then for a
/// commit the offset, member epoch, metadata and commit timestamp, for a group its assignor; null = tombstone.
/// Keys of kinds this version does not know decode to null, so an older broker skips what a newer one wrote.
/// </summary>
public static class OffsetsRecordCodec
{
    private const byte CommitKind = 0;
    private const byte GroupKind = 1;
    private const byte ValueVersion = 0;

    public static Record Encode(OffsetsRecord record, long timestampMs) => record switch
    {
        OffsetCommitRecord c => new Record(Bytes(w =>
        {
            w.Write(CommitKind); w.Write(c.GroupId); w.Write(c.Partition.Topic); w.Write(c.Partition.Partition);
        }), c.Value is null ? null : Bytes(w =>
        {
            w.Write(ValueVersion); w.Write(c.Value.Offset); w.Write(c.Value.MemberEpoch); w.Write(c.Value.Metadata); w.Write(c.Value.CommitTimestamp);
        }), timestampMs, Record.NoHeaders),
        GroupRecord g => new Record(Bytes(w => { w.Write(GroupKind); w.Write(g.GroupId); }),
            g.Assignor is null ? null : Bytes(w => { w.Write(ValueVersion); w.Write(g.Assignor); }), timestampMs, Record.NoHeaders),
        _ => throw new ArgumentException($"Unknown offsets record {record.GetType().Name}", nameof(record)),
    };

    /// <returns>null for a record this version does not understand (skipped, not an error).</returns>
    public static OffsetsRecord? Decode(Record record)
    {
        if (record.Key is not { Length: > 0 } key) return null;
        using var r = Reader(key);
        switch (r.ReadByte())
        {
            case CommitKind:
            {
                var group = r.ReadString();
                var tp = new TopicPartition(r.ReadString(), r.ReadInt32());
                if (record.Value is null) return new OffsetCommitRecord(group, tp, null);
                using var v = Reader(record.Value);
                CheckVersion(v);
                var offset = v.ReadInt64();
                var epoch = v.ReadInt32();
                var metadata = v.ReadString();
                return new OffsetCommitRecord(group, tp, new OffsetValue(offset, metadata, epoch, v.ReadInt64()));
            }
            case GroupKind:
            {
                var group = r.ReadString();
                if (record.Value is null) return new GroupRecord(group, null);
                using var v = Reader(record.Value);
                CheckVersion(v);
                return new GroupRecord(group, v.ReadString());
            }
            default:
                return null;
        }
    }

    /// <summary>The group a record belongs to, read from the key alone (loading skips other groups' values undecoded).</summary>
    public static string? GroupOf(Record record)
    {
        if (record.Key is not { Length: > 1 } key || key[0] > GroupKind) return null;
        using var r = Reader(key);
        r.ReadByte();
        return r.ReadString();
    }

    /// <summary>
    /// The offsets records of fetched batches from offset <paramref name="from"/> on (a batch may start before it), with the
    /// version each competes with for its key (<see cref="KeyedLogCleaner.OriginalOffset"/>); only
    /// <paramref name="groupId"/>'s when given (other groups' values stay undecoded). Records this version does not know are skipped.
    /// </summary>
    public static IEnumerable<(OffsetsRecord Record, long Version)> Read(IReadOnlyList<RecordBatch> batches, long from, string? groupId = null)
    {
        foreach (var batch in batches)
            for (var i = 0; i < batch.Count; i++)
            {
                var offset = batch.BaseOffset + i;
                if (offset < from) continue;
                var record = batch.Records[i];
                if (groupId is not null && GroupOf(record) != groupId) continue;
                if (Decode(record) is { } decoded) yield return (decoded, KeyedLogCleaner.OriginalOffset(record, offset));
            }
    }

    private static void CheckVersion(BinaryReader v)
    {
        var version = v.ReadByte();
        if (version != ValueVersion) throw new InvalidDataException($"Offsets record value version {version} is newer than this broker's ({ValueVersion})");
    }

    private static BinaryReader Reader(byte[] bytes) => new(new MemoryStream(bytes, writable: false), Encoding.UTF8);

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream(64);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) write(w);
        return stream.ToArray();
    }
}
