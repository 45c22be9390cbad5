using System.Text;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using ActorLog.Partitioning;
using Xunit;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>The records of __consumer_offsets: encoding (frozen), folding per group, and which partition a group uses.</summary>
public class OffsetsRecordTests
{
    private static readonly TopicPartition Tp = new("orders", 3);

    [Fact]
    public void Commit_records_round_trip_including_tombstones()
    {
        var commit = new OffsetCommitRecord("group-ü", Tp, new OffsetValue(1234, "meta ✓", 7, 1_732_500_000_000));
        Assert.Equal(commit, OffsetsRecordCodec.Decode(OffsetsRecordCodec.Encode(commit, 5)));
        var tombstone = new OffsetCommitRecord("group-ü", Tp, null);
        var encoded = OffsetsRecordCodec.Encode(tombstone, 5);
        Assert.Null(encoded.Value);
        Assert.Equal(tombstone, OffsetsRecordCodec.Decode(encoded));
        Assert.Equal("group-ü", OffsetsRecordCodec.GroupOf(encoded));
    }

    [Fact]
    public void Group_records_round_trip_including_deletion()
    {
        var group = new GroupRecord("g", "sticky");
        Assert.Equal(group, OffsetsRecordCodec.Decode(OffsetsRecordCodec.Encode(group, 1)));
        Assert.Equal(new GroupRecord("g", null), OffsetsRecordCodec.Decode(OffsetsRecordCodec.Encode(new GroupRecord("g", null), 1)));
    }

    // The offsets topic keeps these bytes: the encoding must never change.
    [Fact]
    public void The_encoding_is_frozen()
    {
        var record = OffsetsRecordCodec.Encode(new OffsetCommitRecord("g", new TopicPartition("t", 2), new OffsetValue(5, "m", 3, 9)), 0);
        Assert.Equal("00" + "0167" + "0174" + "02000000", Convert.ToHexString(record.Key!));
        Assert.Equal("00" + "0500000000000000" + "03000000" + "016D" + "0900000000000000", Convert.ToHexString(record.Value!));
    }

    [Fact]
    public void Unknown_record_kinds_are_skipped()
    {
        Assert.Null(OffsetsRecordCodec.Decode(new Record(new byte[] { 9, 1, 2 }, new byte[] { 0 }, 0, Record.NoHeaders)));
        Assert.Null(OffsetsRecordCodec.GroupOf(new Record(new byte[] { 9, 1, 0x67 }, null, 0, Record.NoHeaders)));
        Assert.Null(OffsetsRecordCodec.Decode(new Record(null, null, 0, Record.NoHeaders)));
    }

    [Fact]
    public void Folding_keeps_the_last_value_per_partition_and_ignores_other_groups()
    {
        var offsets = new GroupOffsets("g");
        var other = new TopicPartition("orders", 4);
        var records = new OffsetsRecord[]
        {
            new GroupRecord("g", "range"),
            new OffsetCommitRecord("g", Tp, new OffsetValue(10, "", 1, 0)),
            new OffsetCommitRecord("h", Tp, new OffsetValue(99, "", 1, 0)),
            new OffsetCommitRecord("g", other, new OffsetValue(5, "", 1, 0)),
            new OffsetCommitRecord("g", Tp, new OffsetValue(20, "x", 2, 0)),
            new OffsetCommitRecord("g", other, null),
        };
        var batch = new RecordBatch(100, 1, -1, -1, records.Select(r => OffsetsRecordCodec.Encode(r, 0)).ToArray());
        // From 101: the group record at offset 100 is before the fetch offset and is skipped.
        Assert.Equal(106, offsets.ApplyBatches(new[] { batch }, 101));
        Assert.False(offsets.GroupRecorded);
        Assert.Equal(20, offsets.Find(Tp)!.Offset);
        Assert.Equal("x", offsets.Find(Tp)!.Metadata);
        Assert.Null(offsets.Find(other));

        var all = new GroupOffsets("g");
        all.ApplyBatches(new[] { batch }, 0);
        Assert.True(all.GroupRecorded);
        foreach (var r in all.DeletionRecords()) all.Apply(r);
        Assert.True(all.IsEmpty);
    }

    [Fact]
    public void A_group_uses_the_partition_murmur2_of_its_id_picks()
    {
        foreach (var id in new[] { "g", "orders-consumers", "группа", "" })
        {
            var expected = (Murmur2.Hash(Encoding.UTF8.GetBytes(id)) & 0x7fffffff) % 6;
            Assert.Equal(expected, OffsetsTopic.PartitionFor(id, 6));
            Assert.InRange(OffsetsTopic.PartitionFor(id, 50), 0, 49);
        }
        Assert.Equal((1, 1), OffsetsTopic.ReplicationFor(1));
        Assert.Equal((2, 2), OffsetsTopic.ReplicationFor(2));
        Assert.Equal((3, 2), OffsetsTopic.ReplicationFor(5));
    }
}
