using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The offsets topic's cleaning (decision 33) on three brokers whose offsets topic has one partition, cleaned after
/// every 8 KiB of growth: groups commit (here by admin resets, 8 records each) far more than that; the partition's
/// leader folds its log and moves its start, every replica's journal keeps about twice the live records and deletes
/// the rest, and the groups' offsets, their listing and a deleted group's absence are the same as the whole history
/// says, also after the leader crashes and a coordinator loads the groups from another replica's cleaned log.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class OffsetsCleaningSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "events";
    private const int Partitions = 8;
    private const long MinBytes = 8 * 1024;
    private static readonly TopicPartition OffsetsTp = new(OffsetsTopic.Name, 0);

    private const string Settings = "actorlog.groups { offsets-topic-partitions = 1, offsets-cleaning-min-bytes = 8KiB }\n" +
                                    "actorlog.log { snapshot-after-bytes = 4KiB, cache-max-bytes = 4KiB }";

    [Fact(Timeout = 240_000)]
    public async Task The_offsets_log_stays_small_and_groups_read_from_it_what_they_committed()
    {
        await using var cluster = await InProcessCluster.StartAsync(3, extraHocon: Settings);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync(Topic, partitions: Partitions, replicationFactor: 1);
        for (var p = 0; p < Partitions; p++) await client.ProduceAsync(Topic, null, "x", partition: p);
        var groups = new[] { "alpha", "beta", "gamma" };
        foreach (var group in groups) await JoinAndLeaveAsync(client, group);

        // 3 groups x 120 resets x 8 records: ~230 KiB of offsets records; gamma is deleted half-way.
        await ResetRoundsAsync(client, groups, 1, 60);
        await Eventually.ValueAsync(async () => { await client.DeleteGroupAsync("gamma"); return true; }, WaitLimit, PollInterval);
        await ResetRoundsAsync(client, groups[..2], 61, 120);

        var described = await Eventually.DescribedAsync(client, OffsetsTopic.Name, 0, p => p.LogStartOffset > 0 && p.LogSizeBytes < 4 * MinBytes,
            "the offsets log cleaned", WaitLimit, PollInterval);
        Log($"offsets log: start {described.LogStartOffset}, end {described.LogEndOffset}, {described.LogSizeBytes} bytes");
        for (var i = 0; i < 3; i++) await AssertCleanedAsync(cluster, i);
        await AssertGroupsAsync(client, 120);

        // The leader crashes: the new one (a follower that followed the cleaned start) serves the groups' loads.
        var leader = described.Leader;
        await cluster.CrashBrokerAsync(leader - 1);
        var moved = await Eventually.PartitionAsync(client, OffsetsTopic.Name, 0, p => p.Leader != leader && p.Leader >= 0, "a new offsets leader",
            WaitLimit, PollInterval);
        await AssertGroupsAsync(client, 120);
        await ResetRoundsAsync(client, groups[..2], 121, 180);
        await cluster.StartBrokerAsync(leader - 1);
        var after = await Eventually.DescribedAsync(client, OffsetsTopic.Name, 0,
            p => p.Isr.Count == 3 && p.LogStartOffset > described.LogEndOffset && p.LogSizeBytes < 4 * MinBytes,
            $"broker {leader} back in sync and broker {moved.Leader}'s cleaning past the old log end", WaitLimit, PollInterval);
        for (var i = 0; i < 3; i++) await AssertCleanedAsync(cluster, i);
        await AssertGroupsAsync(client, 180);
        Log($"after failover to {moved.Leader}: start {after.LogStartOffset}, end {after.LogEndOffset}, {after.LogSizeBytes} bytes");
    }

    /// <summary>A consumer joins the group (writing its group record), reads the topic's records and commits, then leaves.</summary>
    private static async Task JoinAndLeaveAsync(ActorLogClient client, string group)
    {
        await using var consumer = client.Consumer(group, new[] { Topic }, new ConsumerOptions { AutoOffsetReset = AutoOffsetReset.Earliest });
        using var stop = new CancellationTokenSource(WaitLimit);
        var read = 0;
        await foreach (var _ in consumer.ConsumeAsync(stop.Token))
            if (++read == Partitions) break;
        await consumer.CommitAsync();
    }

    private static async Task ResetRoundsAsync(ActorLogClient client, IReadOnlyList<string> groups, int first, int last)
    {
        for (var round = first; round <= last; round++)
            foreach (var group in groups)
            {
                var offset = round;
                // The group's last member may still be leaving (resets are refused while it has members).
                await Eventually.ValueAsync(() => client.ResetOffsetsAsync(group, Topic, ResetTarget.Offset, offset), WaitLimit, PollInterval);
            }
    }

    /// <summary>Every group's offsets are the last reset's, gamma is gone: as the whole history says.</summary>
    private static async Task AssertGroupsAsync(ActorLogClient client, long lastReset)
    {
        foreach (var group in new[] { "alpha", "beta" })
        {
            var offsets = await Eventually.ValueAsync(() => client.FetchOffsetsAsync(group), WaitLimit, PollInterval);
            Assert.Equal(Enumerable.Range(0, Partitions).Select(p => (new TopicPartition(Topic, p), lastReset)),
                offsets.OrderBy(o => o.Partition.Partition).Select(o => (o.Partition, o.Offset)));
        }
        var listed = await Eventually.ValueAsync(() => client.ListGroupsAsync(), WaitLimit, PollInterval);
        Assert.Equal(new[] { "alpha", "beta" }, listed.Select(g => g.GroupId).Order());
    }

    /// <summary>
    /// A broker's journal of the offsets partition: its log starts above 0, holds little, and no event of a batch below the
    /// start is left; folded as a coordinator folds it, it holds the same groups as the leader's.
    /// </summary>
    private async Task AssertCleanedAsync(InProcessCluster cluster, int index)
    {
        var system = cluster.System(index);
        var log = await Eventually.ValueAsync(async () =>
        {
            var journal = await JournalReader.ReadAsync(system, OffsetsTp);
            Assert.True(journal.LogStartOffset > 0, $"broker {index + 1}: log start {journal.LogStartOffset}");
            Assert.True(journal.SizeInBytes < 4 * MinBytes, $"broker {index + 1}: {journal.SizeInBytes} bytes");
            var batches = (await JournalReader.EventsAsync(system, OffsetsTp)).Select(e => e.Event).OfType<RecordBatch>().ToList();
            Assert.True(batches.All(b => b.NextOffset > journal.LogStartOffset),
                $"broker {index + 1}: journal still holds batches from offset {batches.Min(b => b.BaseOffset)}, log start {journal.LogStartOffset}");
            return journal;
        }, WaitLimit, PollInterval);
        var records = JournalReader.Flatten(log).Count;
        var gamma = new GroupOffsets("gamma");
        var batchesRead = await JournalReader.EventsAsync(system, OffsetsTp);
        gamma.ApplyBatches(batchesRead.Select(e => e.Event).OfType<RecordBatch>().ToList(), log.LogStartOffset);
        Assert.True(gamma.IsEmpty, $"broker {index + 1}: the deleted group gamma is back in the cleaned log");
        Log($"broker {index + 1}: offsets log {log.LogStartOffset}..{log.LogEndOffset - 1}, {records} records, {log.SizeInBytes} bytes");
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
