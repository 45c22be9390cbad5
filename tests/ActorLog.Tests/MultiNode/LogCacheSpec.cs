using System.Text;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Three brokers whose replicas keep only 4 KiB of record batches in memory (actorlog.log.cache-max-bytes), so
/// nearly everything is read back from the journal: a consumer reading from offset 0, a restarted replica catching
/// up from far behind (it recovered with the same tiny cache), and that replica serving everything once it leads.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class LogCacheSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "tiered";
    private static readonly TopicPartition Tp = new(Topic, 0);

    /// <summary>Waves of 10 ~100-byte values: each wave is at least one batch of ~1.4 KiB, so the cache holds ~3 of them.</summary>
    private const int Waves = 150;

    public const string TinyCache = "actorlog.log.cache-max-bytes = 4KiB";

    [Fact(Timeout = 240_000)]
    public async Task With_a_tiny_cache_reads_from_offset_0_and_a_follower_far_behind_are_served_from_the_journal()
    {
        await using var cluster = await InProcessCluster.StartAsync(3, extraHocon: TinyCache);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var preferred = created.Partitions[0].Leader;
        Log($"topic created, leader {preferred}");

        var acked = new List<(long Offset, string Value)>();
        await WaveRecords.ProduceAsync(client, Topic, acked, Waves);
        Log($"{acked.Count} records acknowledged (acks=all)");
        var journalReads = JournalQuery.Get(cluster.System(preferred - 1)).Reads;
        await AssertConsumerReadsEverything(client, acked);
        Assert.True(JournalQuery.Get(cluster.System(preferred - 1)).Reads > journalReads, "the consumer's reads came from memory");

        // The preferred leader goes away; the others go on without it, far past what any cache holds.
        await cluster.CrashBrokerAsync(preferred - 1);
        var failedOver = await Eventually.PartitionAsync(client, Topic, 0, p => p.Leader != preferred && p.Leader >= 0,
            "a new leader", WaitLimit, PollInterval);
        Log($"broker {preferred} crashed; broker {failedOver.Leader} leads at epoch {failedOver.LeaderEpoch}");
        await WaveRecords.ProduceAsync(client, Topic, acked, Waves);
        Log($"{acked.Count} records acknowledged");

        // Restarted: it recovers its journal keeping only the tail in memory, then catches up from the leader's journal.
        var leaderReads = JournalQuery.Get(cluster.System(failedOver.Leader - 1)).Reads;
        await cluster.StartBrokerAsync(preferred - 1);
        await Eventually.DescribedAsync(client, Topic, 0, p => p.Isr.Contains(preferred) && p.HighWatermark == acked.Count && p.LogEndOffset == acked.Count,
            $"broker {preferred} in sync", WaitLimit, PollInterval);
        Log($"broker {preferred} caught up and back in the ISR; the leader read its journal {JournalQuery.Get(cluster.System(failedOver.Leader - 1)).Reads - leaderReads} times");
        Assert.True(JournalQuery.Get(cluster.System(failedOver.Leader - 1)).Reads > leaderReads, "the catch-up came from memory");
        var replica = JournalReader.Flatten(await JournalReader.ReadAsync(cluster.System(preferred - 1), Tp));
        Assert.Equal(acked, replica.Select(r => (r.Offset, r.Value!)).ToList());

        // Leading again, the recovered replica serves everything from offset 0, almost all of it from its journal.
        await client.ElectPreferredLeadersAsync(Topic);
        await Eventually.PartitionAsync(client, Topic, 0, p => p.Leader == preferred, $"broker {preferred} leading", WaitLimit, PollInterval);
        journalReads = JournalQuery.Get(cluster.System(preferred - 1)).Reads;
        await AssertConsumerReadsEverything(client, acked);
        Assert.True(JournalQuery.Get(cluster.System(preferred - 1)).Reads > journalReads, "the consumer's reads came from memory");

        // A fetch at the log end still waits for the next record (long poll), which then comes from the cache.
        var poll = client.FetchAsync(Topic, 0, acked.Count, TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        var last = await client.ProduceAsync(Topic, null, "after-the-poll", Acks.All, 0);
        var polled = await poll;
        Assert.Equal((last.Offset, "after-the-poll"), (polled.Records[0].Offset, Encoding.UTF8.GetString(polled.Records[0].Value!)));
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    /// <summary>From offset 0 in small fetches: every acknowledged record once, in order, offsets without gaps.</summary>
    private async Task AssertConsumerReadsEverything(ActorLogClient client, List<(long Offset, string Value)> acked)
    {
        var (read, fetches) = await WaveRecords.ReadFromStartAsync(client, Topic, acked.Count, TimeSpan.Zero);
        Assert.Equal(acked, read);
        Log($"read {read.Count} records from offset 0 in {fetches} fetches");
    }
}
