using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Groups;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Serialization;

/// <summary>Consumer-group messages (client ⇄ gateway ⇄ coordinator) and the controller's offsets-topic command.</summary>
public sealed partial class ActorLogSerializer
{
    private static void RegisterGroupMessages()
    {
        Register<ControllerProtocol.EnsureOffsetsTopic>("EOT", (w, m) => w.Write(m.Partitions), r => new ControllerProtocol.EnsureOffsetsTopic(r.ReadInt32()));

        Register<ConsumerGroupHeartbeat>("GH", (w, m) =>
        {
            w.Write(m.GroupId); w.Write(m.MemberId); w.Write(m.MemberEpoch); w.WriteStrings(m.SubscribedTopics); w.Write(m.Assignor);
            w.Write(m.SessionTimeoutMs); w.WriteOptionalTps(m.OwnedPartitions);
        }, r => new ConsumerGroupHeartbeat(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadStrings(), r.ReadString(), r.ReadInt32(),
            r.ReadOptionalTps()));
        Register<HeartbeatResult>("GHR", (w, m) =>
        {
            w.Write(m.MemberId); w.Write(m.MemberEpoch); w.WriteList(m.Assignment, BinaryProtocol.WriteTp); w.Write(m.HeartbeatIntervalMs);
            w.WriteError(m.Error);
        }, r => new HeartbeatResult(r.ReadString(), r.ReadInt32(), r.ReadList(BinaryProtocol.ReadTp), r.ReadInt32(), r.ReadError()));

        Register<OffsetCommit>("OC", (w, m) =>
        {
            w.Write(m.GroupId); w.Write(m.MemberId); w.Write(m.MemberEpoch); w.WriteList(m.Offsets, WritePartitionOffset);
        }, r => new OffsetCommit(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadList(ReadPartitionOffset)));
        Register<OffsetCommitResult>("OCR", (w, m) =>
        {
            w.WriteList(m.Partitions, (x, e) => { x.WriteTp(e.Partition); x.WriteError(e.Error); }); w.WriteError(m.Error);
        }, r => new OffsetCommitResult(r.ReadList(x => new PartitionError(x.ReadTp(), x.ReadError())), r.ReadError()));

        Register<OffsetFetch>("OF", (w, m) => { w.Write(m.GroupId); w.WriteOptionalTps(m.Partitions); },
            r => new OffsetFetch(r.ReadString(), r.ReadOptionalTps()));
        Register<OffsetFetchResult>("OFR", (w, m) => { w.Write(m.GroupId); w.WriteList(m.Offsets, WritePartitionOffset); w.WriteError(m.Error); },
            r => new OffsetFetchResult(r.ReadString(), r.ReadList(ReadPartitionOffset), r.ReadError()));

        Register<ListGroups>("LG", (_, _) => { }, _ => ListGroups.Instance);
        Register<ListGroupsResult>("LGR", (w, m) =>
        {
            w.WriteList(m.Groups, (x, g) => { x.Write(g.GroupId); x.Write(g.State); }); w.WriteError(m.Error);
        }, r => new ListGroupsResult(r.ReadList(x => new GroupListing(x.ReadString(), x.ReadString())), r.ReadError()));

        Register<DescribeGroup>("DG", (w, m) => w.Write(m.GroupId), r => new DescribeGroup(r.ReadString()));
        Register<GroupDescription>("GD", (w, m) =>
        {
            w.Write(m.GroupId); w.Write(m.State); w.Write(m.GroupEpoch); w.Write(m.Assignor);
            w.WriteList(m.Members, (x, d) =>
            {
                x.Write(d.MemberId); x.Write(d.MemberEpoch); x.WriteStrings(d.SubscribedTopics);
                x.WriteList(d.Assigned, BinaryProtocol.WriteTp); x.WriteList(d.Target, BinaryProtocol.WriteTp);
            });
            w.WriteList(m.Offsets, WritePartitionOffset); w.WriteError(m.Error);
        }, r => new GroupDescription(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadString(),
            r.ReadList(x => new MemberDescription(x.ReadString(), x.ReadInt32(), x.ReadStrings(), x.ReadList(BinaryProtocol.ReadTp),
                x.ReadList(BinaryProtocol.ReadTp))),
            r.ReadList(ReadPartitionOffset), r.ReadError()));

        Register<ResetOffsets>("RO", (w, m) => { w.Write(m.GroupId); w.Write(m.Topic); w.Write((byte)m.To); w.Write(m.Offset); },
            r => new ResetOffsets(r.ReadString(), r.ReadString(), (ResetTarget)r.ReadByte(), r.ReadInt64()));
        Register<ResetOffsetsResult>("ROR", (w, m) => { w.Write(m.GroupId); w.WriteList(m.Offsets, WritePartitionOffset); w.WriteError(m.Error); },
            r => new ResetOffsetsResult(r.ReadString(), r.ReadList(ReadPartitionOffset), r.ReadError()));

        Register<DeleteGroup>("DLG", (w, m) => w.Write(m.GroupId), r => new DeleteGroup(r.ReadString()));
        Register<DeleteGroupResult>("DLR", (w, m) => { w.Write(m.GroupId); w.WriteError(m.Error); },
            r => new DeleteGroupResult(r.ReadString(), r.ReadError()));
    }

    private static void WritePartitionOffset(BinaryWriter w, PartitionOffset o)
    {
        w.WriteTp(o.Partition); w.Write(o.Offset); w.Write(o.Metadata);
    }

    private static PartitionOffset ReadPartitionOffset(BinaryReader r) => new(r.ReadTp(), r.ReadInt64(), r.ReadString());
}

internal static class GroupFieldEncoders
{
    public static void WriteStrings(this BinaryWriter w, IReadOnlyList<string> items) => w.WriteList(items, (x, s) => x.Write(s));

    public static string[] ReadStrings(this BinaryReader r) => r.ReadList(x => x.ReadString());

    /// <summary>A list that may be absent (null means "no change" or "all", not "none").</summary>
    public static void WriteOptionalTps(this BinaryWriter w, IReadOnlyList<TopicPartition>? tps)
    {
        w.Write(tps is not null);
        if (tps is not null) w.WriteList(tps, BinaryProtocol.WriteTp);
    }

    public static TopicPartition[]? ReadOptionalTps(this BinaryReader r) => r.ReadBoolean() ? r.ReadList(BinaryProtocol.ReadTp) : null;
}
