using System.Text;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Partitioning;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Three brokers (three ActorSystems over loopback Akka.Remote, one SQLite file each): keyed produce with
/// acks=all, then every partition read back from offset 0, and every replica's own journal compared with it.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ReplicationSpec(ITestOutputHelper output)
{
    private const int Records = 10_000;
    private const string Topic = "events";

    [Fact(Timeout = 240_000)]
    public async Task Keyed_acks_all_records_are_ordered_gap_free_placed_by_key_and_identical_on_every_replica()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} cluster up");
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync(Topic, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} topic created");

        var sends = Enumerable.Range(0, Records)
            .Select(i => client.ProduceAsync(Topic, $"key-{i % 997}", $"{i}", Acks.All))
            .ToArray();
        var results = await Task.WhenAll(sends);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {Records} records acknowledged");

        for (var i = 0; i < Records; i++)
            Assert.Equal(KafkaPartitioner.PartitionForKey($"key-{i % 997}", 3), results[i].Partition);
        Assert.Equal(Records, results.Select(r => (r.Partition, r.Offset)).Distinct().Count());

        var consumed = new Dictionary<int, List<ConsumedRecord>>();
        for (var p = 0; p < 3; p++)
        {
            var list = new List<ConsumedRecord>();
            long offset = 0, hw;
            do
            {
                var fetched = await client.FetchAsync(Topic, p, offset, TimeSpan.Zero);
                list.AddRange(fetched.Records);
                offset = list.Count == 0 ? 0 : list[^1].Offset + 1;
                hw = fetched.HighWatermark;
            } while (offset < hw);
            consumed[p] = list;
            output.WriteLine($"partition {p}: {list.Count} records, high watermark {hw}");

            // Gap-free offsets from 0, and (one producer thread) send order within the partition.
            Assert.Equal(Enumerable.Range(0, list.Count).Select(x => (long)x), list.Select(r => r.Offset));
            var sequence = list.Select(r => int.Parse(Encoding.UTF8.GetString(r.Value!))).ToList();
            Assert.Equal(sequence.Order(), sequence);
            Assert.All(list, r => Assert.Equal(p, KafkaPartitioner.PartitionForKey(r.Key!, 3)));
        }
        Assert.Equal(Records, consumed.Values.Sum(l => l.Count));
        foreach (var (result, i) in results.Select((r, i) => (r, i)))
            Assert.Equal($"{i}", Encoding.UTF8.GetString(consumed[result.Partition][(int)result.Offset].Value!));

        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} all partitions read back");
        // Every replica's journal holds exactly the leader's records (acks=all: all in-sync replicas persisted).
        var description = await client.DescribeTopicAsync(Topic);
        Assert.All(description.Partitions, p => Assert.Equal(3, p.Isr.Count));
        for (var b = 0; b < 3; b++)
            for (var p = 0; p < 3; p++)
            {
                var replica = JournalReader.Flatten(await JournalReader.ReadAsync(cluster.System(b), new TopicPartition(Topic, p)));
                var expected = consumed[p].Select(r => (r.Offset, (string?)Encoding.UTF8.GetString(r.Key!), (string?)Encoding.UTF8.GetString(r.Value!))).ToList();
                Assert.Equal(expected, replica);
            }
    }
}
