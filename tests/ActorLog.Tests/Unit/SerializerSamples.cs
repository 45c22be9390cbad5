using System.Collections.Immutable;
using System.Text;
using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Gateway;
using ActorLog.Groups;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.Unit;

/// <summary>One or more instances of every message type <c>ActorLogSerializer</c> handles, covering nulls and empty lists.</summary>
internal static class SerializerSamples
{
    private static readonly TopicPartition Tp = new("orders.eu-west_1", 7);
    private static readonly ErrorInfo Error = new(ErrorCode.NotLeaderOrFollower, "Broker 2 is not the leader — ошибка ✓");

    private static readonly Record Full = new(Encoding.UTF8.GetBytes("key-1"), Encoding.UTF8.GetBytes("value ✓"), 1_732_500_000_123,
        new[] { new RecordHeader("trace-id", new byte[] { 1, 2, 3 }), new RecordHeader("null-value", null), new RecordHeader("ünïcode", Array.Empty<byte>()) });
    private static readonly Record Nulls = new(null, null, -1, Record.NoHeaders);
    private static readonly Record Empties = new(Array.Empty<byte>(), Array.Empty<byte>(), 0, Record.NoHeaders);

    private static readonly RecordBatch Batch = new(42, 3, 1001, 7, new[] { Full, Nulls, Empties }, appendTimeMs: 1_732_500_000_456);
    private static readonly RecordBatch EmptyBatch = new(0, 0, -1, -1, Array.Empty<Record>());

    private static readonly TopicConfig Config = new(2, 1_048_576, false, 604_800_000, 1L << 33);
    private static readonly PartitionMetadata P0 = new(0, 1, 4, new[] { 1, 2, 3 }, new[] { 1, 3 });
    private static readonly PartitionMetadata Offline = new(1, -1, 9, new[] { 2, 3, 1 }, new[] { 2 });
    private static readonly PartitionMetadata NoIsr = new(2, 3, 0, new[] { 3 }, Array.Empty<int>());
    private static readonly TopicMetadata Orders = new("orders", Config, new[] { P0, Offline, NoIsr });
    private static readonly TopicMetadata Audit = new("audit.log_v2-x", new TopicConfig(1, 512, true), new[] { P0 });
    private static readonly TopicMetadata NoPartitions = new("a", Config, Array.Empty<PartitionMetadata>());

    private static readonly BrokerInfo Broker1 = new(1, "10.0.0.1", 4051, "Up");
    private static readonly BrokerInfo Broker2 = new(2, "broker-2.internal", 4052, "Unreachable");

    private static readonly GatewayProtocol.PartitionDescription Pd0 = new(0, 1, 4, new[] { 1, 2, 3 }, new[] { 1, 2 }, 100, 90) { LogStartOffset = 40, LogSizeBytes = 1L << 34 };
    private static readonly GatewayProtocol.PartitionDescription Pd1 = new(1, -1, 9, new[] { 2 }, Array.Empty<int>(), 0, 0);

    private static readonly TopicPartition Tp2 = new("orders", 0);
    private static readonly GroupProtocol.PartitionOffset Committed = new(Tp, 42, "note ✓");
    private static readonly GroupProtocol.PartitionOffset NoCommit = new(Tp2, -1, "");
    private static readonly GroupProtocol.MemberDescription Member = new("m-1", 3, new[] { "orders", "audit" }, new[] { Tp2 }, new[] { Tp2, Tp });

    public static readonly IReadOnlyDictionary<string, object> All = new Dictionary<string, object>
    {
        ["EnsureOffsetsTopic"] = new ControllerProtocol.EnsureOffsetsTopic(6),
        ["ConsumerGroupHeartbeat/join"] = new GroupProtocol.ConsumerGroupHeartbeat("group-ü", "", 0, new[] { "orders", "audit" }, "sticky", 0, null),
        ["ConsumerGroupHeartbeat/owned"] = new GroupProtocol.ConsumerGroupHeartbeat("g", "m-1", 7, new[] { "orders" }, "", 10_000, new[] { Tp, Tp2 }),
        ["ConsumerGroupHeartbeat/none-owned"] = new GroupProtocol.ConsumerGroupHeartbeat("g", "m-1", -1, Array.Empty<string>(), "range", 0,
            Array.Empty<TopicPartition>()),
        ["HeartbeatResult"] = new GroupProtocol.HeartbeatResult("m-1", 7, new[] { Tp, Tp2 }, 1000, null),
        ["HeartbeatResult/error"] = new GroupProtocol.HeartbeatResult("m-1", 3, Array.Empty<TopicPartition>(), 0,
            new ErrorInfo(ErrorCode.FencedMemberEpoch, "stale")),
        ["OffsetCommit"] = new GroupProtocol.OffsetCommit("g", "m-1", 7, new[] { Committed, NoCommit }),
        ["OffsetCommitResult"] = new GroupProtocol.OffsetCommitResult(new[]
        {
            new GroupProtocol.PartitionError(Tp, null), new GroupProtocol.PartitionError(Tp2, new ErrorInfo(ErrorCode.PartitionNotOwned, "not yours")),
        }, null),
        ["OffsetCommitResult/error"] = new GroupProtocol.OffsetCommitResult(Array.Empty<GroupProtocol.PartitionError>(),
            new ErrorInfo(ErrorCode.StaleMemberEpoch, "stale")),
        ["OffsetFetch/all"] = new GroupProtocol.OffsetFetch("g", null),
        ["OffsetFetch/some"] = new GroupProtocol.OffsetFetch("g", new[] { Tp }),
        ["OffsetFetchResult"] = new GroupProtocol.OffsetFetchResult("g", new[] { Committed, NoCommit }, null),
        ["OffsetFetchResult/error"] = new GroupProtocol.OffsetFetchResult("g", Array.Empty<GroupProtocol.PartitionOffset>(),
            new ErrorInfo(ErrorCode.GroupIdNotFound, "no group")),
        ["ListGroups"] = GroupProtocol.ListGroups.Instance,
        ["ListGroupsResult"] = new GroupProtocol.ListGroupsResult(new[] { new GroupProtocol.GroupListing("g", "Stable"), new GroupProtocol.GroupListing("h", "Empty") }, null),
        ["DescribeGroup"] = new GroupProtocol.DescribeGroup("g"),
        ["GroupDescription"] = new GroupProtocol.GroupDescription("g", "Reconciling", 5, "sticky", new[] { Member }, new[] { Committed }, null),
        ["GroupDescription/error"] = new GroupProtocol.GroupDescription("g", "Dead", -1, "", Array.Empty<GroupProtocol.MemberDescription>(),
            Array.Empty<GroupProtocol.PartitionOffset>(), new ErrorInfo(ErrorCode.GroupIdNotFound, "no group")),
        ["ResetOffsets"] = new GroupProtocol.ResetOffsets("g", "orders", GroupProtocol.ResetTarget.Offset, 17),
        ["ResetOffsetsResult"] = new GroupProtocol.ResetOffsetsResult("g", new[] { Committed }, null),
        ["DeleteGroup"] = new GroupProtocol.DeleteGroup("g"),
        ["DeleteGroupResult"] = new GroupProtocol.DeleteGroupResult("g", new ErrorInfo(ErrorCode.NonEmptyGroup, "has members")),
        ["RecordBatch"] = Batch,
        ["RecordBatch/empty"] = EmptyBatch,
        ["LogTruncated"] = new LogTruncated(17, 4),
        ["LogStartAdvanced"] = new LogStartAdvanced(1L << 35),
        ["LogIndexSnapshot"] = new LogIndexSnapshot(12, new[]
        {
            new BatchIndexEntry(0, 5, 0, 180, 1, 77_000_000_001, 0),
            new BatchIndexEntry(5, 7, 3, 64_000, 9, -1, -1, 1_732_500_000_456),
        }),
        ["LogIndexSnapshot/empty"] = new LogIndexSnapshot(0, Array.Empty<BatchIndexEntry>()),
        ["ClusterMetadata"] = new ClusterMetadata(12, ImmutableSortedDictionary<string, TopicMetadata>.Empty
            .Add(Orders.Name, Orders).Add(Audit.Name, Audit).Add(NoPartitions.Name, NoPartitions), 4, ImmutableSortedSet.Create(1, 2, 3)),
        ["ClusterMetadata/empty"] = ClusterMetadata.Empty with { Brokers = ImmutableSortedSet<int>.Empty },
        ["BrokerInfo"] = Broker1,
        ["Produce"] = new PartitionProtocol.Produce(Tp, -1, 30_000, new RecordBatch(0, -1, 5000, 12, new[] { Full, Nulls })),
        ["Produce/no-records"] = new PartitionProtocol.Produce(Tp, 0, 0, new RecordBatch(0, -1, -1, -1, Array.Empty<Record>())),
        ["ProduceResult"] = new PartitionProtocol.ProduceResult(Tp, 100, null),
        ["ProduceResult/error"] = new PartitionProtocol.ProduceResult(Tp, -1, Error, 2, 5),
        ["Produce/correlated"] = new PartitionProtocol.Produce(Tp, 1, 30_000, new RecordBatch(0, -1, 5000, 12, new[] { Full })) { CorrelationId = 1L << 40 },
        ["ProduceResult/correlated"] = new PartitionProtocol.ProduceResult(Tp, 7, null) { CorrelationId = 1L << 40 },
        ["Fetch"] = new PartitionProtocol.Fetch(Tp, 10, 1 << 20, 500),
        ["FetchResult"] = new PartitionProtocol.FetchResult(Tp, 50, 0, new[] { Batch, EmptyBatch }, null),
        ["FetchResult/error"] = new PartitionProtocol.FetchResult(Tp, -1, -1, Array.Empty<RecordBatch>(), Error, 3, 8),
        ["GetPartitionState"] = new PartitionProtocol.GetPartitionState(Tp),
        ["PartitionState"] = new PartitionProtocol.PartitionState(Tp, "leader", 3, 100, 90, new[] { 1, 2, 3 }, null) { LogStartOffset = 12, LogSizeBytes = 9_000 },
        ["PartitionState/error"] = new PartitionProtocol.PartitionState(Tp, "none", -1, 0, 0, Array.Empty<int>(), Error),
        ["FollowerFetch"] = new ReplicationProtocol.FollowerFetch(Tp, 2, 3, 99, 2),
        ["FollowerFetchResult"] = new ReplicationProtocol.FollowerFetchResult(Tp, 3, -1, 90, null) { LogStartOffset = 70 },
        ["FollowerFetchResult/truncate"] = new ReplicationProtocol.FollowerFetchResult(Tp, 3, 57, 50, Error),
        ["ReplicateBatch"] = new ReplicationProtocol.ReplicateBatch(Tp, 3, Batch, 90),
        ["FollowerAck"] = new ReplicationProtocol.FollowerAck(Tp, 2, 3, 100),
        ["LogStartMoved"] = new ReplicationProtocol.LogStartMoved(Tp, 3, 1L << 33),
        ["CreateTopic"] = new ControllerProtocol.CreateTopic("orders", 6, 3, 2, 1_048_576),
        ["CreateTopic/unclean"] = new ControllerProtocol.CreateTopic("orders", 6, 3, 2, 1_048_576, true),
        ["CreateTopic/retention"] = new ControllerProtocol.CreateTopic("orders", 6, 3, 2, 1_048_576, false, 3_600_000, -1),
        ["AlterTopicConfig"] = new ControllerProtocol.AlterTopicConfig("orders", true),
        ["AlterTopicConfig/retention"] = new ControllerProtocol.AlterTopicConfig("orders", null, 86_400_000, 1L << 30),
        ["AlterTopicConfig/off"] = new ControllerProtocol.AlterTopicConfig("orders", false, -1, null),
        ["AddPartitions"] = new ControllerProtocol.AddPartitions("orders.eu-west_1", 12),
        ["ElectPreferredLeaders/all"] = new ControllerProtocol.ElectPreferredLeaders(null),
        ["ElectPreferredLeaders/topic"] = new ControllerProtocol.ElectPreferredLeaders("orders"),
        ["ElectPreferredLeadersResult"] = new ControllerProtocol.ElectPreferredLeadersResult(new[]
        {
            new ControllerProtocol.PartitionElection("orders", 0, 1, 4, PreferredOutcome.Elected, "leader 2 → preferred replica 1"),
            new ControllerProtocol.PartitionElection("orders", 1, 3, 2, PreferredOutcome.NotEligible, "preferred replica 2 is not alive"),
        }, null),
        ["ElectPreferredLeadersResult/error"] = new ControllerProtocol.ElectPreferredLeadersResult(
            Array.Empty<ControllerProtocol.PartitionElection>(), new ErrorInfo(ErrorCode.UnknownTopicOrPartition, "Unknown topic 'x'")),
        ["DeleteTopic"] = new ControllerProtocol.DeleteTopic("orders"),
        ["TopicResult"] = new ControllerProtocol.TopicResult(Orders, null),
        ["TopicResult/error"] = new ControllerProtocol.TopicResult(null, new ErrorInfo(ErrorCode.TopicAlreadyExists, "exists")),
        ["AlterIsr"] = new ControllerProtocol.AlterIsr(Tp, 1, 3, new[] { 1, 2 }),
        ["AlterIsr/empty"] = new ControllerProtocol.AlterIsr(Tp, 1, 3, Array.Empty<int>()),
        ["ClaimLeaderEpoch"] = new ControllerProtocol.ClaimLeaderEpoch(Tp, 2, -1234567890123L, true),
        ["LeaderEpochClaimed"] = new ControllerProtocol.LeaderEpochClaimed(Tp, P0, null),
        ["LeaderEpochClaimed/error"] = new ControllerProtocol.LeaderEpochClaimed(Tp, null, new ErrorInfo(ErrorCode.RequestTimedOut, "no majority")),
        ["AlterIsrResult"] = new ControllerProtocol.AlterIsrResult(Tp, P0, null),
        ["AlterIsrResult/error"] = new ControllerProtocol.AlterIsrResult(Tp, null, new ErrorInfo(ErrorCode.FencedLeaderEpoch, "stale")),
        ["GetMetadata/all"] = new GatewayProtocol.GetMetadata(null),
        ["GetMetadata/none"] = new GatewayProtocol.GetMetadata(Array.Empty<string>()),
        ["GetMetadata/some"] = new GatewayProtocol.GetMetadata(new[] { "orders", "audit.log_v2-x" }),
        ["MetadataResult"] = new GatewayProtocol.MetadataResult(new[] { Broker1, Broker2 }, 1, new[] { Orders, Audit }, null),
        ["MetadataResult/error"] = new GatewayProtocol.MetadataResult(Array.Empty<BrokerInfo>(), -1, Array.Empty<TopicMetadata>(), Error),
        ["DescribeTopic"] = new GatewayProtocol.DescribeTopic("orders"),
        ["ResolveReplica"] = new GatewayProtocol.ResolveReplica(Tp),
        ["ReplicaLocation"] = new GatewayProtocol.ReplicaLocation(Tp, "akka.tcp://actorlog@127.0.0.1:4051/user/replica-manager/orders-0#1234567"),
        ["ReplicaLocation/none"] = new GatewayProtocol.ReplicaLocation(Tp, null),
        ["PartitionDescription"] = Pd0,
        ["TopicDescription"] = new GatewayProtocol.TopicDescription("orders", Config, new[] { Pd0, Pd1 }, null),
        ["TopicDescription/error"] = new GatewayProtocol.TopicDescription("missing", null, Array.Empty<GatewayProtocol.PartitionDescription>(),
            new ErrorInfo(ErrorCode.UnknownTopicOrPartition, "no such topic")),
    };
}
