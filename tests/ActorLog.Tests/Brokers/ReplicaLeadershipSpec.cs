using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Configuration;
using ActorLog.Controller;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Tests.Infrastructure;
using Xunit;

namespace ActorLog.Tests.Brokers;

/// <summary>
/// A follower made leader while a batch its previous leader pushed is still being written (a preferred-leader election
/// under load, found by a chaos run: the partition took no acks=all write for 62 s). It leads only once that write is in
/// its log: before, its leader state started from the log end without the batch, so the high watermark never counted it
/// and the producer's retry of that batch waited for an append that never came; a retry arriving during the write was
/// not known as a duplicate and would have been appended twice. The journal is held with <see cref="GatedJournal"/>.
/// </summary>
public sealed class ReplicaLeadershipSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config NodeConfig = ConfigurationFactory.ParseString($"""
        actorlog.broker-id = 1
        {GatedJournal.Config}
        """).WithFallback(LoopbackConfig.ClusterNode).WithFallback(ActorLog.Configuration.DefaultConfig.Load());

    private static readonly TopicPartition Tp = new("t", 0);
    private static readonly TopicConfig OneInSync = new(1, 1_048_576, false);
    private static readonly PartitionMetadata FollowingBroker2 = new(0, 2, 1, new[] { 1, 2 }, new[] { 1, 2 });
    private static readonly PartitionMetadata LeadingAlone = new(0, 1, 2, new[] { 1, 2 }, new[] { 1 });

    /// <summary>Two records of producer 7's first batch, as a client sends them (not yet placed in a log).</summary>
    private static readonly RecordBatch ProducerBatch = new(0, -1, 7, 0, new[]
    {
        new ActorLog.Log.Record(null, "a"u8.ToArray(), 1, Array.Empty<RecordHeader>()),
        new ActorLog.Log.Record(null, "b"u8.ToArray(), 1, Array.Empty<RecordHeader>()),
    });

    public ReplicaLeadershipSpec() : base(NodeConfig, "actorlog") => GatedJournal.Gate.Open();

    protected override void AfterAll()
    {
        GatedJournal.Gate.Open();
        base.AfterAll();
    }

    [Fact]
    public void A_produce_during_the_write_is_refused_and_its_retry_afterwards_is_the_same_records()
    {
        var replica = FollowerWithPushedBatchInFlight();
        replica.Tell(new ReplicaManagerProtocol.AssignmentChanged(LeadingAlone, OneInSync));

        // The producer retries the batch the old leader took (its answer was lost with the leadership).
        replica.Tell(new PartitionProtocol.Produce(Tp, -1, 5000, ProducerBatch));
        var refused = ExpectMsg<PartitionProtocol.ProduceResult>();
        Assert.Equal(ErrorCode.NotLeaderOrFollower, refused.Error?.Code);
        Assert.Equal(1, refused.LeaderHint);

        GatedJournal.Gate.Open();
        AssertRetryIsAnsweredWithTheOriginalOffsets(replica);
    }

    [Fact]
    public void The_retry_after_the_write_landed_is_acknowledged_at_once()
    {
        var replica = FollowerWithPushedBatchInFlight();
        replica.Tell(new ReplicaManagerProtocol.AssignmentChanged(LeadingAlone, OneInSync));
        GatedJournal.Gate.Open();
        AssertRetryIsAnsweredWithTheOriginalOffsets(replica);
    }

    /// <summary>A follower of broker 2 at epoch 1 whose write of a pushed batch (offsets 0-1, producer 7) is held at the gate.</summary>
    private IActorRef FollowerWithPushedBatchInFlight()
    {
        var controller = CreateTestProbe();
        var replica = Sys.ActorOf(ReplicaActor.Props(Tp, ActorLogSettings.Create(Sys), controller.Ref));
        controller.ExpectMsg<ControllerProtocol.ClaimLeaderEpoch>();
        replica.Tell(new ControllerProtocol.LeaderEpochClaimed(Tp, FollowingBroker2, null));
        replica.Tell(new ReplicaManagerProtocol.AssignmentChanged(FollowingBroker2, OneInSync));

        GatedJournal.Gate.Close();
        var oldLeader = CreateTestProbe();
        replica.Tell(new ReplicationProtocol.ReplicateBatch(Tp, 1, ProducerBatch.Place(0, 1, 1), 0), oldLeader.Ref);
        AwaitCondition(() => GatedJournal.Gate.Waiting == 1, TimeSpan.FromSeconds(10));
        return replica;
    }

    private void AssertRetryIsAnsweredWithTheOriginalOffsets(IActorRef replica)
    {
        // Until the write is in the log the replica does not lead yet and says so; then the retry is a duplicate.
        AwaitAssert(() =>
        {
            replica.Tell(new PartitionProtocol.Produce(Tp, -1, 5000, ProducerBatch));
            var answer = ExpectMsg<PartitionProtocol.ProduceResult>(TimeSpan.FromSeconds(3));
            Assert.Null(answer.Error);
            Assert.Equal(0, answer.BaseOffset);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        replica.Tell(new PartitionProtocol.GetPartitionState(Tp));
        var state = ExpectMsg<PartitionProtocol.PartitionState>();
        Assert.Equal("leader", state.Role);
        Assert.Equal(2, state.LogEndOffset);
        Assert.Equal(2, state.HighWatermark);
    }
}
