using System.Text;
using Akka.Actor;
using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Log;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Retention on three brokers that check it every 200 ms (and snapshot their index every 4 KiB, so restarts load
/// snapshots older than the retention that followed them): with retention.bytes every replica keeps about that much
/// of the newest records and deletes the rest from its journal; fetches below the log start fail with
/// OffsetOutOfRange, consumers starting from the beginning start at the log start; a follower that was down while the
/// leader's log moved past its end starts its log over at the leader's start and catches up; retention.ms, set
/// later, leaves each replica only its newest batch; a leader restarted after all that leads again from its log
/// start. On brokers that check every 5 minutes (the default), an altered retention still applies at once.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class RetentionSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "retained";
    private static readonly TopicPartition Tp = new(Topic, 0);
    private const long RetentionBytes = 8 * 1024;

    private const string Settings = "actorlog.log { retention-check-interval = 200ms, snapshot-after-bytes = 4KiB, cache-max-bytes = 4KiB }";

    [Fact(Timeout = 240_000)]
    public async Task Replicas_keep_what_retention_allows_and_readers_and_followers_start_at_the_log_start()
    {
        await using var cluster = await InProcessCluster.StartAsync(3, extraHocon: Settings);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, retentionBytes: RetentionBytes);
        // retention.ms not given: the brokers' default (actorlog.topic-defaults.retention, Kafka's 7 days).
        Assert.Equal(((long)TimeSpan.FromDays(7).TotalMilliseconds, RetentionBytes), (created.Config.RetentionMs, created.Config.RetentionBytes));
        var leader = created.Partitions[0].Leader;
        var acked = new List<(long Offset, string Value)>();
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 60); // ~84 KiB

        // Every replica's journal holds the newest ~8 KiB: one batch fewer would be below retention.bytes.
        for (var i = 0; i < 3; i++) await AssertRetainedAsync(cluster.System(i), acked, i + 1);

        // Reading: below the start is out of range; the start and the high watermark are the readable range.
        var described = await Eventually.DescribedAsync(client, Topic, 0, p => p.LogStartOffset > 0 && p.HighWatermark == acked.Count,
            "the leader's log start above 0", WaitLimit, PollInterval);
        var start = described.LogStartOffset;
        var outOfRange = await Assert.ThrowsAsync<ActorLogException>(() => client.FetchAsync(Topic, 0, 0, TimeSpan.Zero));
        Assert.Equal(ErrorCode.OffsetOutOfRange, outOfRange.Code);
        Assert.Equal(new PartitionOffsets(start, acked.Count), await client.OffsetsAsync(Topic, 0));
        Assert.Equal(acked.Skip((int)start).ToList(), (await WaveRecords.ReadAsync(client, Topic, start, acked.Count - (int)start, TimeSpan.FromSeconds(1))).Records);

        // A new group reading from the earliest offset starts at the log start, not at 0.
        await using (var consumer = client.Consumer("from-the-start", new[] { Topic }, new ConsumerOptions { AutoOffsetReset = AutoOffsetReset.Earliest }))
        {
            var read = new List<(long, string)>();
            using var stop = new CancellationTokenSource(WaitLimit);
            await foreach (var r in consumer.ConsumeAsync(stop.Token))
            {
                read.Add((r.Offset, Encoding.UTF8.GetString(r.Value!)));
                if (read.Count == acked.Count - start) break;
            }
            Assert.Equal(acked.Skip((int)start).ToList(), read);
        }
        // Its offsets reset to the earliest are the log start too (the group has no members now: it closed).
        var reset = await Eventually.ValueAsync(() => client.ResetOffsetsAsync("from-the-start", Topic, GroupProtocol.ResetTarget.Earliest),
            WaitLimit, PollInterval);
        Assert.Equal(new[] { start }, reset.Select(o => o.Offset));
        // The groups' own topic keeps everything: its records are their state.
        var offsetsTopic = await client.DescribeTopicAsync(OffsetsTopic.Name);
        Assert.Equal((-1L, -1L), (offsetsTopic.Config!.RetentionMs, offsetsTopic.Config.RetentionBytes));
        var refused = await Assert.ThrowsAsync<ActorLogException>(() => client.SetRetentionAsync(OffsetsTopic.Name, 60_000, null));
        Assert.Equal(ErrorCode.InvalidConfig, refused.Code);
        Log($"leader {leader}: log start {start} of {acked.Count}; fetch at 0 is out of range; readers start at {start}");

        // A follower down while the leader's start moves past its log end starts over at the leader's start.
        var follower = created.Partitions[0].Replicas.First(b => b != leader);
        await cluster.CrashBrokerAsync(follower - 1);
        await Eventually.PartitionAsync(client, Topic, 0, p => !p.Isr.Contains(follower), $"broker {follower} out of the ISR", WaitLimit, PollInterval);
        var downAt = acked.Count;
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 60);
        await Eventually.DescribedAsync(client, Topic, 0, p => p.LogStartOffset > downAt, $"the leader's log start past {downAt}", WaitLimit, PollInterval);
        await cluster.StartBrokerAsync(follower - 1);
        await Eventually.DescribedAsync(client, Topic, 0, p => p.Isr.Contains(follower) && p.LogEndOffset == acked.Count && p.HighWatermark == acked.Count,
            $"broker {follower} back in sync", WaitLimit, PollInterval);
        var restarted = await AssertRetainedAsync(cluster.System(follower - 1), acked, follower);
        Assert.True(restarted > downAt, $"broker {follower} starts at {restarted}, not past its old end {downAt}");
        Log($"broker {follower}: down at {downAt}, started over past it and caught up to {acked.Count} (log start {restarted})");

        // retention.ms, set later: every batch but the newest is older than 300 ms at the next check.
        var altered = await client.SetRetentionAsync(Topic, retentionMs: 300, retentionBytes: -1);
        Assert.Equal((300L, -1L), (altered.Config.RetentionMs, altered.Config.RetentionBytes));
        for (var i = 0; i < 3; i++)
        {
            var system = cluster.System(i);
            var log = await Eventually.ValueAsync(async () =>
            {
                var journal = await JournalReader.ReadAsync(system, Tp);
                Assert.Equal(1, journal.BatchCount);
                return journal;
            }, WaitLimit, PollInterval);
            Assert.Equal(acked.Count, log.LogEndOffset);
            Assert.Equal(acked.Skip((int)log.LogStartOffset).ToList(), JournalReader.Flatten(log).Select(r => (r.Offset, r.Value!)).ToList());
        }
        var last = await Eventually.DescribedAsync(client, Topic, 0, p => p.LogStartOffset > restarted, "the newest batch alone", WaitLimit, PollInterval);
        Log($"retention.ms 300: log start {last.LogStartOffset} of {acked.Count}");

        // The leader crashes and restarts from a journal whose older events retention deleted, likely after an index
        // snapshot that still named them: leading again, it starts where it left off and serves every record from there.
        await client.SetRetentionAsync(Topic, retentionMs: -1, retentionBytes: -1);
        await cluster.CrashBrokerAsync(leader - 1);
        await Eventually.PartitionAsync(client, Topic, 0, p => p.Leader != leader && p.Leader >= 0, "a new leader", WaitLimit, PollInterval);
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 5);
        await cluster.StartBrokerAsync(leader - 1);
        await Eventually.DescribedAsync(client, Topic, 0, p => p.Isr.Contains(leader) && p.HighWatermark == acked.Count,
            $"broker {leader} back in sync", WaitLimit, PollInterval);
        await client.ElectPreferredLeadersAsync(Topic);
        var back = await Eventually.DescribedAsync(client, Topic, 0, p => p.Leader == leader, $"broker {leader} leading again", WaitLimit, PollInterval);
        Assert.Equal(last.LogStartOffset, back.LogStartOffset);
        Assert.Equal(acked.Skip((int)back.LogStartOffset).ToList(),
            (await WaveRecords.ReadAsync(client, Topic, back.LogStartOffset, acked.Count - (int)back.LogStartOffset, TimeSpan.FromSeconds(1))).Records);
        Log($"broker {leader} restarted, leads again from log start {back.LogStartOffset} to {acked.Count}");
    }

    [Fact(Timeout = 120_000)]
    public async Task An_altered_retention_applies_at_once_not_at_the_next_check()
    {
        // The default check interval (5 minutes): only the alteration itself can drop anything within the wait.
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, retentionMs: -1);
        var acked = new List<(long Offset, string Value)>();
        await WaveRecords.ProduceAsync(client, Topic, acked, waves: 30); // ~42 KiB
        Assert.Equal(0, (await client.OffsetsAsync(Topic, 0)).LogStartOffset);

        await client.SetRetentionAsync(Topic, retentionMs: null, retentionBytes: RetentionBytes);
        for (var i = 0; i < 3; i++) await AssertRetainedAsync(cluster.System(i), acked, i + 1, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Waits until a broker's journal holds what retention.bytes keeps: the newest records, gap-free up to the last one
    /// acknowledged, one batch fewer than retention.bytes would allow, and no event of a batch below its start left
    /// undeleted. Returns its log start.
    /// </summary>
    private static async Task<long> AssertRetainedAsync(ActorSystem system, List<(long Offset, string Value)> acked, int brokerId,
        TimeSpan? within = null)
    {
        var log = await Eventually.ValueAsync(async () =>
        {
            var journal = await JournalReader.ReadAsync(system, Tp);
            Assert.True(journal.LogStartOffset > 0, $"broker {brokerId}: log start {journal.LogStartOffset}");
            Assert.True(journal.SizeInBytes - journal.Index[0].SizeInBytes < RetentionBytes,
                $"broker {brokerId}: {journal.SizeInBytes} bytes kept, the oldest batch {journal.Index[0].SizeInBytes}");
            Assert.Equal(acked.Count, journal.LogEndOffset);
            var batches = (await JournalReader.EventsAsync(system, Tp)).Select(e => e.Event).OfType<RecordBatch>().ToList();
            Assert.True(batches.All(b => b.NextOffset > journal.LogStartOffset),
                $"broker {brokerId}: journal still holds batches from offset {batches.Min(b => b.BaseOffset)}, log start {journal.LogStartOffset}");
            return journal;
        }, within ?? WaitLimit, PollInterval);
        Assert.True(log.SizeInBytes >= RetentionBytes, $"broker {brokerId}: only {log.SizeInBytes} bytes kept");
        Assert.Equal(acked.Skip((int)log.LogStartOffset).ToList(), JournalReader.Flatten(log).Select(r => (r.Offset, r.Value!)).ToList());
        return log.LogStartOffset;
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
