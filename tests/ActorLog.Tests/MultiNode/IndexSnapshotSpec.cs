using Akka.Actor;
using Akka.Persistence;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Partition;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Three brokers that snapshot their replicas' log index every 8 KiB written (actorlog.log.snapshot-after-bytes) and
/// keep 4 KiB of batches in memory: each broker keeps one snapshot, equal to its journal's index up to the event it
/// was taken at; a broker restarted from it catches up and, leading, serves every record from offset 0; deleting
/// the topic deletes the snapshots, so a topic created again under the name starts empty.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class IndexSnapshotSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "snapshotted";
    private static readonly TopicPartition Tp = new(Topic, 0);
    private static readonly string PersistenceId = ReplicaActor.PersistenceIdFor(Tp);

    private const string Settings = "actorlog.log { snapshot-after-bytes = 8KiB, cache-max-bytes = 4KiB }";

    [Fact(Timeout = 240_000)]
    public async Task A_broker_restarts_from_its_index_snapshot_and_a_deleted_topic_leaves_none()
    {
        await using var cluster = await InProcessCluster.StartAsync(3, extraHocon: Settings);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var preferred = created.Partitions[0].Leader;
        var acked = new List<(long Offset, string Value)>();
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 100);

        // Every replica snapshotted as it went (~140 KiB written) and kept only its latest snapshot.
        for (var i = 0; i < 3; i++)
        {
            var system = cluster.System(i);
            var snapshot = await Eventually.ValueAsync(() => OnlySnapshotAsync(system), WaitLimit, PollInterval);
            var journal = await JournalReader.ReadAsync(system, Tp);
            var expected = journal.Index.Where(e => e.SequenceNr <= snapshot.Metadata.SequenceNr).ToArray();
            var index = Assert.IsType<LogIndexSnapshot>(snapshot.Snapshot);
            Assert.True(index.Entries.Length >= 20, $"broker {i + 1}: a snapshot of {index.Entries.Length} batches");
            Assert.Equal(expected, index.Entries);
            Log($"broker {i + 1}: snapshot at journal event {snapshot.Metadata.SequenceNr} of {journal.Index[^1].SequenceNr}, {index.Entries.Length} batches");
        }

        // The preferred leader crashes and misses writes; restarted, it loads its snapshot, replays the rest of its
        // journal and catches up from the new leader.
        await cluster.CrashBrokerAsync(preferred - 1);
        await Eventually.PartitionAsync(client, Topic, 0, p => p.Leader != preferred && p.Leader >= 0, "a new leader", WaitLimit, PollInterval);
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 50);
        await cluster.StartBrokerAsync(preferred - 1);
        await Eventually.DescribedAsync(client, Topic, 0, p => p.Isr.Contains(preferred) && p.LogEndOffset == acked.Count && p.HighWatermark == acked.Count,
            $"broker {preferred} in sync", WaitLimit, PollInterval);
        var replica = JournalReader.Flatten(await JournalReader.ReadAsync(cluster.System(preferred - 1), Tp));
        Assert.Equal(acked, replica.Select(r => (r.Offset, r.Value!)).ToList());

        // Leading again, it serves every record from offset 0: the offsets below its memory through the restored index.
        await client.ElectPreferredLeadersAsync(Topic);
        await Eventually.PartitionAsync(client, Topic, 0, p => p.Leader == preferred, $"broker {preferred} leading", WaitLimit, PollInterval);
        Assert.Equal(acked, (await WaveRecords.ReadFromStartAsync(client, Topic, acked.Count, TimeSpan.FromSeconds(1))).Records);
        Log($"broker {preferred} restarted, caught up and served {acked.Count} records from offset 0");

        // Deleting the topic deletes its snapshots with its journals; created again, the topic starts at offset 0.
        await client.DeleteTopicAsync(Topic);
        for (var i = 0; i < 3; i++)
        {
            var system = cluster.System(i);
            await Eventually.Async(async () => Assert.Null((await LoadLatestAsync(system)).Snapshot), WaitLimit, PollInterval);
        }
        // Once each replica's old journal is gone its broker starts the new one (the client retries until then). The
        // client still has its producer of the old topic: the new log knows none of its batches, so it starts a new one.
        await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var again = await client.ProduceAsync(Topic, null, "the first of the new topic", Acks.All, 0);
        Assert.Equal(0, again.Offset);
        Assert.Equal(new[] { (0L, "the first of the new topic") }, (await WaveRecords.ReadFromStartAsync(client, Topic, 1, TimeSpan.FromSeconds(1))).Records);
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task<LoadSnapshotResult> LoadLatestAsync(ActorSystem system, long maxSequenceNr = long.MaxValue) =>
        await Persistence.Instance.Apply(system).SnapshotStoreFor("")
            .Ask<LoadSnapshotResult>(new LoadSnapshot(PersistenceId, new SnapshotSelectionCriteria(maxSequenceNr), long.MaxValue), TimeSpan.FromSeconds(10));

    /// <summary>The replica's latest snapshot, once it is the only one (each saved snapshot deletes those before it).</summary>
    private static async Task<SelectedSnapshot> OnlySnapshotAsync(ActorSystem system)
    {
        var latest = (await LoadLatestAsync(system)).Snapshot;
        Assert.NotNull(latest);
        Assert.Null((await LoadLatestAsync(system, latest.Metadata.SequenceNr - 1)).Snapshot);
        return latest;
    }
}
