using System.Collections.Concurrent;
using System.Text;
using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Metadata;
using ActorLog.Partitioning;
using ActorLog.Tests.Infrastructure;
using ActorLog.Tests.Unit;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Kafka's "add partitions": a topic of 2 partitions grows to 4 while a group member reads it. Its coordinator
/// hands the member the new partitions (the partition count changed in the metadata), a producer of another client
/// notices the new count at its periodic metadata refresh and sends keys to murmur2 % 4, and the member reads what
/// lands in the new partitions. The existing partitions keep their replicas, leaders and epochs. Shrinking, adding
/// nothing and growing the internal offsets topic are refused and change nothing.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class AddPartitionsSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private const string Topic = "clicks";
    private const string Group = "click-counters";

    [Fact(Timeout = 240_000)]
    public async Task A_grown_topics_new_partitions_reach_producers_and_the_groups_member_and_the_old_ones_are_untouched()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var admin = await cluster.ConnectAsync();
        await admin.CreateTopicAsync(Topic, partitions: 2, replicationFactor: 3, minInsyncReplicas: 2);
        // A producer of its own, so it learns of the growth through its periodic refresh, not through the admin call.
        await using var producer = await ActorLogClient.ConnectAsync(cluster.Bootstrap,
            ClientSettings.Default with { MetadataMaxAge = TimeSpan.FromMilliseconds(500) });
        var before = Enumerable.Range(0, 20).Select(i => $"user-{i}").ToList();
        var deliveredBefore = await Task.WhenAll(before.Select(k => producer.ProduceAsync(Topic, k, $"before:{k}")));
        Assert.Equal(before.Select(k => KafkaPartitioner.PartitionForKey(k, 2)), deliveredBefore.Select(r => r.Partition));

        await using var consumerClient = await cluster.ConnectAsync();
        var seen = new ConcurrentQueue<ConsumedRecord>();
        await using var consumer = consumerClient.Consumer(Group, new[] { Topic }, new ConsumerOptions
        {
            AutoOffsetReset = AutoOffsetReset.Earliest, AutoCommitInterval = TimeSpan.FromMilliseconds(300),
        });
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var r in consumer.ConsumeAsync(stop.Token)) seen.Enqueue(r);
            }
            catch (OperationCanceledException) { }
        });
        await Eventually.Holds(() =>
        {
            Assert.Equal(new[] { 0, 1 }, consumer.Assignment.Select(tp => tp.Partition).Order());
            Assert.Equal(before.Count, seen.Count);
        }, WaitLimit, PollInterval);
        Log($"member owns [0,1] and read the {before.Count} records produced before");

        var old = await TopicAsync(admin);
        await RefusedAsync(admin, Topic, 1, ErrorCode.InvalidPartitions, $"topic {Topic} has 2 partitions; it can only grow, asked for 1");
        await RefusedAsync(admin, Topic, 2, ErrorCode.InvalidPartitions, "already has 2 partitions");
        await RefusedAsync(admin, OffsetsTopic.Name, 100, ErrorCode.InvalidTopic, "internal topic");
        await RefusedAsync(admin, "no-such-topic", 3, ErrorCode.UnknownTopicOrPartition, "no-such-topic");
        Assert.Equal(Structural.Flatten(old), Structural.Flatten(await TopicAsync(admin)));

        var grown = await admin.AddPartitionsAsync(Topic, 4);
        Assert.Equal(Enumerable.Range(0, 4), grown.Partitions.Select(p => p.Partition));
        Log($"grown: {string.Join("; ", grown.Partitions.Select(p => $"{p.Partition}: leader {p.Leader} epoch {p.LeaderEpoch} [{string.Join(",", p.Replicas)}]"))}");
        Assert.Equal(old.Partitions.Select(Structural.Flatten), grown.Partitions.Take(2).Select(Structural.Flatten));
        Assert.All(grown.Partitions.Skip(2), p =>
        {
            Assert.Equal(3, p.Replicas.Count);
            Assert.Equal(0, p.LeaderEpoch);
            Assert.Equal(p.Replicas[0], p.Leader);
        });

        // The producer's client notices the new count by itself (no error makes it ask).
        await Eventually.Async(async () => Assert.Contains($"{Topic}/3->", await producer.DescribeStateAsync()), WaitLimit, PollInterval);
        var keysForNew = Enumerable.Range(0, 1000).Select(i => $"user-{i}")
            .Where(k => KafkaPartitioner.PartitionForKey(k, 4) >= 2).Take(20).ToList();
        Assert.Contains(keysForNew, k => KafkaPartitioner.PartitionForKey(k, 4) == 2);
        Assert.Contains(keysForNew, k => KafkaPartitioner.PartitionForKey(k, 4) == 3);
        var delivered = await Task.WhenAll(keysForNew.Select(k => producer.ProduceAsync(Topic, k, $"after:{k}")));
        Assert.Equal(keysForNew.Select(k => KafkaPartitioner.PartitionForKey(k, 4)), delivered.Select(r => r.Partition));

        await Eventually.Holds(() =>
        {
            // A consumer whose own metadata lags the coordinator's must not fail on a partition it was just given.
            Assert.False(reading.IsFaulted, $"the consumer failed: {reading.Exception?.InnerException}");
            Assert.Equal(new[] { 0, 1, 2, 3 }, consumer.Assignment.Select(tp => tp.Partition).Order());
            var afterSeen = seen.Where(r => r.Partition >= 2).Select(r => (r.Partition, Encoding.UTF8.GetString(r.Value!))).Order().ToList();
            Assert.Equal(keysForNew.Select((k, i) => (delivered[i].Partition, $"after:{k}")).Order(), afterSeen);
        }, WaitLimit, PollInterval);
        Log($"member owns [0,1,2,3] and read the {keysForNew.Count} records produced to partitions 2 and 3");
        Assert.Equal(before.Count + keysForNew.Count, seen.Select(r => (r.Partition, r.Offset)).Distinct().Count());

        // The old partitions were not touched: same replicas, leaders and epochs (and their records were read above).
        var now = await TopicAsync(admin);
        Assert.Equal(old.Partitions.Select(p => (p.Leader, p.LeaderEpoch, string.Join(",", p.Replicas))),
            now.Partitions.Take(2).Select(p => (p.Leader, p.LeaderEpoch, string.Join(",", p.Replicas))));
        var described = await admin.DescribeTopicAsync(Topic);
        Assert.Equal(delivered.Count(r => r.Partition == 2), described.Partitions[2].HighWatermark);
        Assert.Equal(delivered.Count(r => r.Partition == 3), described.Partitions[3].HighWatermark);

        await stop.CancelAsync();
        await reading;
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static async Task<TopicMetadata> TopicAsync(ActorLogClient client) =>
        (await client.RefreshMetadataAsync()).Topics.Single(t => t.Name == Topic);

    private async Task RefusedAsync(ActorLogClient client, string topic, int total, ErrorCode code, string message)
    {
        var refused = await Assert.ThrowsAsync<ActorLogException>(() => client.AddPartitionsAsync(topic, total));
        Log($"{topic} → {total}: {refused.Code}: {refused.Message}");
        Assert.Equal(code, refused.Code);
        Assert.Contains(message, refused.Message);
    }
}
