using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Coordinator;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Tests.Infrastructure;
using Xunit;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Tests.Groups;

/// <summary>
/// One coordinator on a one-node cluster, its broker's replica played by a probe: the leadership check on every
/// request, loading from the offsets partition (through the broker's offsets loader), commits answered only after the
/// acks=all write, reload on a new leader epoch.
/// </summary>
public sealed class GroupCoordinatorActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config SingleNode = ConfigurationFactory.ParseString("akka.cluster.distributed-data.durable.keys = []")
        .WithFallback(LoopbackConfig.ClusterNode).WithFallback(Configuration.DefaultConfig.Load());

    private const string Group = "g";
    private static readonly TopicPartition Orders0 = new("orders", 0);

    private readonly TopicPartition _offsetsTp = OffsetsTopic.TopicPartitionFor(Group, GroupSettings.Default.OffsetsTopicPartitions);
    private readonly TestProbe _replica;
    private readonly IActorRef _coordinator;

    public GroupCoordinatorActorSpec() : base(SingleNode)
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(10));
        var metadata = ClusterMetadata.Empty.WithTopic(new TopicMetadata("orders", new TopicConfig(1, 1 << 20, false),
            new[] { new PartitionMetadata(0, 1, 0, new[] { 1 }, new[] { 1 }), new PartitionMetadata(1, 1, 0, new[] { 1 }, new[] { 1 }) }));
        var self = cluster.SelfUniqueAddress;
        DistributedData.Get(Sys).Replicator.Ask<IUpdateResponse>(Dsl.Update(MetadataKey.Key,
            new LWWRegister<ClusterMetadata>(self, ClusterMetadata.Empty), WriteLocal.Instance, r => r.WithValue(self, metadata)),
            TimeSpan.FromSeconds(5)).Wait();
        _replica = CreateTestProbe();
        var loader = Sys.ActorOf(OffsetsLoader.Props(_replica.Ref));
        _coordinator = Sys.ActorOf(GroupCoordinator.Props(Group, GroupSettings.Default, 1, _replica.Ref, loader, CreateTestProbe().Ref));
    }

    private void ReplicaIs(string role, int epoch, long logEnd)
    {
        var ask = _replica.ExpectMsg<PartitionProtocol.GetPartitionState>();
        Assert.Equal(_offsetsTp, ask.Partition);
        _replica.Reply(new PartitionProtocol.PartitionState(_offsetsTp, role, epoch, logEnd, logEnd, new[] { 1 },
            role == "leader" ? null : new ErrorInfo(ErrorCode.NotLeaderOrFollower, "follower")));
    }

    private void AcknowledgeWrite(Func<IReadOnlyList<OffsetsRecord>, bool> check)
    {
        var produce = _replica.ExpectMsg<PartitionProtocol.Produce>();
        Assert.Equal((short)-1, produce.Acks);
        Assert.True(check(produce.Batch.Records.Select(r => OffsetsRecordCodec.Decode(r)!).ToList()));
        _replica.Reply(new PartitionProtocol.ProduceResult(_offsetsTp, 0, null));
    }

    [Fact]
    public void A_broker_that_does_not_lead_the_offsets_partition_answers_NotCoordinator()
    {
        _coordinator.Tell(new OffsetFetch(Group, null));
        ReplicaIs("follower", 2, 0);
        Assert.Equal(ErrorCode.NotCoordinator, ExpectMsg<OffsetFetchResult>().Error!.Code);
    }

    [Fact]
    public void Offsets_are_loaded_from_the_partition_and_commits_answer_after_the_write_and_a_new_epoch_reloads()
    {
        var earlier = new OffsetsRecord[]
        {
            new GroupRecord(Group, "sticky"),
            new OffsetCommitRecord(Group, Orders0, new OffsetValue(7, "old", 1, 0)),
            new OffsetCommitRecord("other", Orders0, new OffsetValue(99, "", 1, 0)),
        };
        _coordinator.Tell(new OffsetFetch(Group, new[] { Orders0, new TopicPartition("orders", 1) }));
        ReplicaIs("leader", 3, 3);
        var fetch = _replica.ExpectMsg<PartitionProtocol.Fetch>();
        Assert.Equal(0, fetch.Offset);
        _replica.Reply(new PartitionProtocol.FetchResult(_offsetsTp, 3, 0,
            new[] { new RecordBatch(0, 3, -1, -1, earlier.Select(r => OffsetsRecordCodec.Encode(r, 0)).ToArray()) }, null));
        var loaded = ExpectMsg<OffsetFetchResult>();
        Assert.Equal(new long[] { 7, -1 }, loaded.Offsets.Select(o => o.Offset));

        // Join (the group record exists already: no write), then commit: the answer waits for the acks=all write.
        _coordinator.Tell(new ConsumerGroupHeartbeat(Group, "", 0, new[] { "orders" }, "sticky", 0, null));
        ReplicaIs("leader", 3, 3);
        var joined = ExpectMsg<HeartbeatResult>();
        Assert.Equal(2, joined.Assignment.Count);
        _coordinator.Tell(new OffsetCommit(Group, joined.MemberId, joined.MemberEpoch, new[] { new PartitionOffset(Orders0, 11, "new") }));
        ReplicaIs("leader", 3, 3);
        var produce = _replica.ExpectMsg<PartitionProtocol.Produce>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new OffsetCommitRecord(Group, Orders0, new OffsetValue(11, "new", joined.MemberEpoch, 0)),
            OffsetsRecordCodec.Decode(produce.Batch.Records[0]) is OffsetCommitRecord c ? c with { Value = c.Value! with { CommitTimestamp = 0 } } : null);
        _replica.Reply(new PartitionProtocol.ProduceResult(_offsetsTp, 3, null));
        Assert.Null(ExpectMsg<OffsetCommitResult>().Error);

        // A new leader epoch: another coordinator may have acted, so the state is read again and members rejoin.
        _coordinator.Tell(new ConsumerGroupHeartbeat(Group, joined.MemberId, joined.MemberEpoch, new[] { "orders" }, "sticky", 0, joined.Assignment));
        ReplicaIs("leader", 5, 0);
        Assert.Equal(ErrorCode.UnknownMemberId, ExpectMsg<HeartbeatResult>().Error!.Code);
    }

    [Fact]
    public void The_first_join_records_the_group_before_answering()
    {
        _coordinator.Tell(new ConsumerGroupHeartbeat(Group, "", 0, new[] { "orders" }, "range", 0, null));
        ReplicaIs("leader", 1, 0);
        AcknowledgeWrite(records => records.Single() is GroupRecord { Assignor: "range" });
        Assert.Null(ExpectMsg<HeartbeatResult>().Error);
    }
}
