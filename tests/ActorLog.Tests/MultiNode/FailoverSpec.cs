using System.Text;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The leader's ActorSystem dies abruptly: a follower takes over at a higher epoch with every acknowledged
/// record; the old leader, restarted with a tail it had written but nobody acknowledged, truncates that tail,
/// catches up and rejoins the in-sync replicas; leadership then goes back to it as the preferred replica.
/// Run twice: with the default log cache, and with a 4 KiB one so the truncated replica's reads come from its journal.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class FailoverSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "failover";
    private static readonly TopicPartition Tp = new(Topic, 0);

    [Theory(Timeout = 240_000)]
    [InlineData(null)]
    [InlineData(LogCacheSpec.TinyCache)]
    public async Task A_follower_takes_over_with_every_acked_record_and_the_old_leader_truncates_its_unacked_tail_and_rejoins(string? extraHocon)
    {
        await using var cluster = await InProcessCluster.StartAsync(3, extraHocon: extraHocon);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var oldLeader = created.Partitions[0].Leader;
        var oldEpoch = created.Partitions[0].LeaderEpoch;
        Log($"topic created, leader {oldLeader} epoch {oldEpoch}");

        var acked = new List<(long Offset, string Value)>();
        await ProduceAsync(client, acked, 0, 200);

        await cluster.CrashBrokerAsync(oldLeader - 1);
        Log($"broker {oldLeader} crashed");
        // What the crashed leader had persisted in its last moment, unreplicated and unacknowledged.
        var unacked = Enumerable.Range(0, 5).Select(i => new Record(null, Encoding.UTF8.GetBytes($"unacked-{i}"), 0, Record.NoHeaders)).ToList();
        var tail = await JournalWriter.AppendAsync(cluster.OptionsFor(oldLeader - 1), Tp, oldEpoch, unacked);
        Log($"unacknowledged tail written to broker {oldLeader}'s journal at offsets {tail.BaseOffset}..{tail.NextOffset - 1}");

        var failedOver = await AwaitPartition(client, p => p.Leader != oldLeader && p.Leader >= 0, "a new leader");
        Assert.True(failedOver.LeaderEpoch > oldEpoch, $"new epoch {failedOver.LeaderEpoch} must exceed {oldEpoch}");
        Assert.DoesNotContain(oldLeader, failedOver.Isr);
        Log($"broker {failedOver.Leader} leads at epoch {failedOver.LeaderEpoch}, ISR [{string.Join(",", failedOver.Isr)}]");

        // The new leader accepts acks=all (two in sync = min.insync.replicas) and holds every acknowledged record.
        await ProduceAsync(client, acked, 200, 100);
        var survivor = Enumerable.Range(0, 3).Single(b => b + 1 != oldLeader && b + 1 != failedOver.Leader);
        await AssertReplicaHolds(cluster, failedOver.Leader - 1, acked);
        await AssertReplicaHolds(cluster, survivor, acked);

        await cluster.StartBrokerAsync(oldLeader - 1);
        Log($"broker {oldLeader} restarted on its data dir");
        var rejoined = await AwaitDescribe(client, p => p.Isr.Contains(oldLeader) && p.HighWatermark == acked.Count && p.LogEndOffset == acked.Count,
            $"broker {oldLeader} back in sync at high watermark {acked.Count}");
        Log($"ISR [{string.Join(",", rejoined.Isr)}], high watermark {rejoined.HighWatermark}");

        // Its own journal: the unacknowledged tail was cut by an appended truncation marker, then the new records followed.
        var events = await JournalEvents(cluster, oldLeader - 1);
        var truncation = Assert.Single(events.OfType<LogTruncated>());
        Assert.Equal(tail.BaseOffset, truncation.Offset);
        await AssertReplicaHolds(cluster, oldLeader - 1, acked);

        // Leadership goes back to the preferred replica (automatically after the rebalance delay, or on demand).
        var elections = await client.ElectPreferredLeadersAsync(Topic);
        Log($"elect-leaders: {string.Join("; ", elections.Select(e => e.Reason))}");
        var back = await AwaitPartition(client, p => p.Leader == oldLeader, $"broker {oldLeader} leading again");
        Assert.True(back.LeaderEpoch > failedOver.LeaderEpoch);
        await ProduceAsync(client, acked, 300, 10);
        for (var b = 0; b < 3; b++) await AssertReplicaHolds(cluster, b, acked);

        // What the truncated replica serves as leader: every acknowledged record, none of the cut tail.
        var read = new List<(long, string)>();
        while (read.Count < acked.Count)
        {
            var offset = read.Count;
            var fetched = await client.FetchAsync(Topic, 0, offset, TimeSpan.Zero, maxBytes: 512);
            read.AddRange(fetched.Records.Where(r => r.Offset >= offset).Select(r => (r.Offset, Encoding.UTF8.GetString(r.Value!))));
        }
        Assert.Equal(acked, read);
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task ProduceAsync(ActorLogClient client, List<(long, string)> acked, int from, int count)
    {
        var sends = Enumerable.Range(from, count).Select(i => (Value: $"record-{i}", Task: client.ProduceAsync(Topic, null, $"record-{i}", Acks.All, 0))).ToList();
        foreach (var (value, task) in sends) acked.Add(((await task).Offset, value));
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => (long)i), acked.Select(a => a.Item1));
    }

    private static async Task AssertReplicaHolds(InProcessCluster cluster, int broker, List<(long Offset, string Value)> acked)
    {
        await Eventually.Async(async () =>
        {
            var records = JournalReader.Flatten(await JournalReader.ReadAsync(cluster.System(broker), Tp));
            Assert.Equal(acked, records.Select(r => (r.Offset, r.Value!)).ToList());
        }, WaitLimit, PollInterval);
    }

    private static async Task<List<object>> JournalEvents(InProcessCluster cluster, int broker)
    {
        var system = cluster.System(broker);
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId(ReplicaActor.PersistenceIdFor(Tp), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
        return events.Select(e => e.Event).ToList();
    }

    private static Task<PartitionMetadata> AwaitPartition(ActorLogClient client, Func<PartitionMetadata, bool> condition, string what) =>
        Eventually.PartitionAsync(client, Topic, 0, condition, what, WaitLimit, PollInterval);

    private static Task<Gateway.GatewayProtocol.PartitionDescription> AwaitDescribe(ActorLogClient client,
        Func<Gateway.GatewayProtocol.PartitionDescription, bool> condition, string what) =>
        Eventually.DescribedAsync(client, Topic, 0, condition, what, WaitLimit, PollInterval);
}
