using System.Text;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// A partition whose in-sync replicas are all dead is offline (describe, cluster metadata, produce errors say so);
/// a live replica outside the ISR does not lead it unless the topic allows unclean election, which then loses the
/// records only the dead in-sync replica had; the returning old leader truncates to the unclean leader's log.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class OfflinePartitionSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "fragile";

    [Fact(Timeout = 240_000)]
    public async Task A_partition_without_a_live_in_sync_replica_is_offline_until_unclean_election_is_allowed()
    {
        // Five brokers: with both replicas of the partition dead, three remain, a majority the controller can act with.
        await using var cluster = await InProcessCluster.StartAsync(5, TimeSpan.FromSeconds(60));
        var settings = ClientSettings.Default with { DeliveryTimeout = TimeSpan.FromSeconds(3) };
        await using var client = await ActorLogClient.ConnectAsync(cluster.Bootstrap, settings);
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 2, minInsyncReplicas: 1);
        var (a, b) = (created.Partitions[0].Replicas[0], created.Partitions[0].Replicas[1]);
        Log($"replicas [{a},{b}], leader {created.Partitions[0].Leader}");

        await client.ProduceAsync(Topic, null, "on-both", Acks.All, 0);
        await cluster.CrashBrokerAsync(b - 1);
        await AwaitPartition(client, p => p.Leader == a && p.Isr.SequenceEqual(new[] { a }), $"ISR [{a}]");
        var onlyOnA = await client.ProduceAsync(Topic, null, "only-on-a", Acks.Leader, 0);
        Log($"broker {b} crashed; 'only-on-a' at offset {onlyOnA.Offset}");

        await cluster.CrashBrokerAsync(a - 1);
        var offline = await AwaitPartition(client, p => p.Leader < 0, "offline");
        Assert.True(offline.IsOffline);
        Assert.Equal(new[] { a }, offline.Isr); // the last ISR is kept: only a can lead without loss
        var description = await client.DescribeTopicAsync(Topic);
        Assert.Equal(-1, description.Partitions[0].Leader);
        var refused = await Assert.ThrowsAsync<ActorLogException>(() => client.ProduceAsync(Topic, null, "lost?", Acks.All, 0));
        Log(refused.Message);
        Assert.Contains("offline", refused.Message);
        Assert.Contains("unclean leader election is off", refused.Message);

        // b comes back, but it is not in the ISR: with unclean election off the partition stays offline.
        await cluster.StartBrokerAsync(b - 1);
        await AwaitBrokers(client, 4);
        var stillOffline = (await client.RefreshMetadataAsync()).Topics.Single(t => t.Name == Topic).Partitions[0];
        Assert.True(stillOffline.IsOffline, $"leader {stillOffline.Leader}");

        // The operator chooses availability over the record only a had.
        await client.SetUncleanLeaderElectionAsync(Topic, true);
        var unclean = await AwaitPartition(client, p => p.Leader == b, $"broker {b} leading uncleanly");
        Assert.Equal(new[] { b }, unclean.Isr);
        Assert.True(unclean.LeaderEpoch > offline.LeaderEpoch);
        var after = await client.ProduceAsync(Topic, null, "after-unclean", Acks.All, 0);
        Assert.Equal(onlyOnA.Offset, after.Offset); // b's log ended before 'only-on-a': that offset is reused
        Assert.Equal(new[] { "on-both", "after-unclean" }, await ReadAll(client));

        // The old leader returns, truncates its divergent tail and follows b.
        await cluster.StartBrokerAsync(a - 1);
        await AwaitPartition(client, p => p.Isr.Contains(a) && p.Leader == b, $"broker {a} back in sync");
        var journal = JournalReader.Flatten(await JournalReader.ReadAsync(cluster.System(a - 1), new TopicPartition(Topic, 0)));
        Assert.Equal(new[] { "on-both", "after-unclean" }, journal.Select(r => r.Value));
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task<string[]> ReadAll(ActorLogClient client)
    {
        var fetched = await client.FetchAsync(Topic, 0, 0, TimeSpan.Zero);
        return fetched.Records.Select(r => Encoding.UTF8.GetString(r.Value!)).ToArray();
    }

    private static async Task AwaitBrokers(ActorLogClient client, int up) =>
        await Eventually.Async(async () => Assert.Equal(up, (await client.RefreshMetadataAsync()).Brokers.Count(x => x.Status == "up")), WaitLimit, PollInterval);

    private static Task<PartitionMetadata> AwaitPartition(ActorLogClient client, Func<PartitionMetadata, bool> condition, string what) =>
        Eventually.PartitionAsync(client, Topic, 0, condition, what, WaitLimit, PollInterval);
}
