using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
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
/// A replica written one small batch at a time snapshots its index by batch count (actorlog.log.snapshot-after-batches),
/// long before the byte trigger: a chaos run's brokers, at ~1.7 records per batch, replayed every batch of their logs at
/// each restart (6-11 s late in a 5-minute run) because 64 MiB of such batches is ~800,000 of them. Restarted, the
/// replica loads that snapshot and replays only the batches after it.
/// </summary>
public sealed class ReplicaSnapshotSpec() : Akka.TestKit.Xunit2.TestKit(NodeConfig, "actorlog")
{
    private const int SnapshotAfterBatches = 50;

    private static readonly Config NodeConfig = ConfigurationFactory.ParseString($$"""
        actorlog.broker-id = 1
        actorlog.log { snapshot-after-bytes = 1GiB, snapshot-after-batches = {{SnapshotAfterBatches}} }
        akka.loglevel = INFO
        akka.loggers = ["Akka.TestKit.TestEventListener, Akka.TestKit"]
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(LoopbackConfig.ClusterNode).WithFallback(ActorLog.Configuration.DefaultConfig.Load());

    private static readonly TopicPartition Tp = new("t", 0);
    private static readonly TopicConfig OneInSync = new(1, 1_048_576, false);

    [Fact]
    public void Small_batches_are_snapshotted_by_count_and_a_restart_replays_only_those_after_it()
    {
        var replica = LeaderAlone(epoch: 0);
        for (var i = 0; i < SnapshotAfterBatches + 10; i++) Produce(replica, i);

        var snapshot = AwaitSnapshot();
        Assert.Equal(SnapshotAfterBatches, snapshot.Metadata.SequenceNr);
        Assert.Equal(SnapshotAfterBatches, Assert.IsType<LogIndexSnapshot>(snapshot.Snapshot).Entries.Length);

        Watch(replica);
        Sys.Stop(replica);
        ExpectTerminated(replica);
        EventFilter.Info(contains: $"loaded the log index snapshot at journal event {SnapshotAfterBatches}").ExpectOne(() =>
        {
            replica = LeaderAlone(epoch: 1);
        });
        replica.Tell(new PartitionProtocol.GetPartitionState(Tp));
        var state = ExpectMsg<PartitionProtocol.PartitionState>();
        Assert.Equal(SnapshotAfterBatches + 10, state.LogEndOffset);

        // The log starts at 0 (the restored index) and the batches replayed after the snapshot are served as written.
        // (Reading the snapshotted ones goes to the SQL journal's query side: IndexSnapshotSpec, on SQLite.)
        replica.Tell(new PartitionProtocol.Fetch(Tp, SnapshotAfterBatches, 1 << 20, 0));
        var fetched = ExpectMsg<PartitionProtocol.FetchResult>();
        Assert.Null(fetched.Error);
        Assert.Equal(0, fetched.LogStartOffset);
        Assert.Equal(Enumerable.Range(SnapshotAfterBatches, 10).Select(i => $"r{i}"),
            fetched.Batches.SelectMany(b => b.Records).Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
    }

    /// <summary>A replica of <see cref="Tp"/> that the controller made the only in-sync replica and leader.</summary>
    private IActorRef LeaderAlone(int epoch)
    {
        var controller = CreateTestProbe();
        var replica = Sys.ActorOf(ReplicaActor.Props(Tp, ActorLogSettings.Create(Sys), controller.Ref));
        var leading = new PartitionMetadata(0, 1, epoch, new[] { 1 }, new[] { 1 });
        controller.ExpectMsg<ControllerProtocol.ClaimLeaderEpoch>();
        replica.Tell(new ControllerProtocol.LeaderEpochClaimed(Tp, leading, null));
        replica.Tell(new ReplicaManagerProtocol.AssignmentChanged(leading, OneInSync));
        return replica;
    }

    private void Produce(IActorRef replica, int i)
    {
        var batch = new RecordBatch(0, -1, -1, -1, new[] { new ActorLog.Log.Record(null, System.Text.Encoding.UTF8.GetBytes($"r{i}"), 1, Array.Empty<RecordHeader>()) });
        AwaitAssert(() =>
        {
            replica.Tell(new PartitionProtocol.Produce(Tp, 1, 5000, batch));
            var answer = ExpectMsg<PartitionProtocol.ProduceResult>();
            Assert.Null(answer.Error);
            Assert.Equal(i, answer.BaseOffset);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    private SelectedSnapshot AwaitSnapshot()
    {
        SelectedSnapshot? found = null;
        AwaitAssert(() =>
        {
            var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor("");
            store.Tell(new LoadSnapshot(ReplicaActor.PersistenceIdFor(Tp), SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            found = ExpectMsg<LoadSnapshotResult>().Snapshot;
            Assert.NotNull(found);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        return found!;
    }
}
