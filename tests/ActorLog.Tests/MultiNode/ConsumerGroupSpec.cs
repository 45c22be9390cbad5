using System.Collections.Concurrent;
using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// Three consumers of one group over a 6-partition topic, through the client library's consumer: each partition
/// is read by exactly one of them; when one stops heartbeating its partitions move to the others within the
/// session timeout; nothing is skipped, and only records after its last commit are read twice. A consumer that
/// closes leaves at once.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ConsumerGroupSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private const string Topic = "payments";
    private const string Group = "ledger";
    private const int Partitions = 6;
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(3);

    private sealed record Seen(string Consumer, int Partition, long Offset);

    [Fact(Timeout = 240_000)]
    public async Task Each_partition_has_one_reader_a_stopped_member_is_replaced_and_nothing_is_skipped()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var producer = await cluster.ConnectAsync();
        await producer.CreateTopicAsync(Topic, Partitions, replicationFactor: 3, minInsyncReplicas: 2);
        await ProduceAsync(producer, 0, 600);

        var seen = new ConcurrentQueue<Seen>();
        var clients = new List<ActorLogClient>();
        var consumers = new List<ActorLogConsumer>();
        var loops = new List<Task>();
        using var stopAll = new CancellationTokenSource();
        var stopOne = CancellationTokenSource.CreateLinkedTokenSource(stopAll.Token);
        foreach (var name in new[] { "a", "b", "c" })
        {
            var client = await cluster.ConnectAsync();
            clients.Add(client);
            var consumer = client.Consumer(Group, new[] { Topic }, new ConsumerOptions
            {
                SessionTimeout = SessionTimeout, AutoCommitInterval = TimeSpan.FromMilliseconds(300), AutoOffsetReset = AutoOffsetReset.Earliest,
            });
            consumers.Add(consumer);
            var token = name == "c" ? stopOne.Token : stopAll.Token;
            loops.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var r in consumer.ConsumeAsync(token)) seen.Enqueue(new Seen(name, r.Partition, r.Offset));
                }
                catch (OperationCanceledException) { }
            }));
        }

        await Eventually.Holds(() =>
        {
            Assert.Equal(600, seen.Select(s => (s.Partition, s.Offset)).Distinct().Count());
            AssertOnePerPartition(consumers);
            Assert.All(consumers, c => Assert.Equal(2, c.Assignment.Count)); // sticky balances 6 over 3
        }, WaitLimit, PollInterval);
        Log($"all 600 read; assignment {Describe(consumers)}");

        // c stops dead (no goodbye): its client goes away; the group notices when its session times out.
        var (a, b, c) = (consumers[0], consumers[1], consumers[2]);
        var cPartitions = c.Assignment.Select(tp => tp.Partition).ToHashSet();
        await stopOne.CancelAsync();
        await loops[2];
        await Task.Delay(500); // let c's last auto-commit land: what it committed is what may be read again beyond
        await clients[2].DisposeAsync();
        var committedAtStop = (await producer.FetchOffsetsAsync(Group)).ToDictionary(o => o.Partition.Partition, o => o.Offset);
        var stopped = Stopwatch.StartNew();
        await ProduceAsync(producer, 600, 600);
        await Eventually.Holds(() => AssertOnePerPartition(new[] { a, b }), WaitLimit, PollInterval);
        Log($"c's partitions [{string.Join(",", cPartitions)}] moved after {stopped.ElapsedMilliseconds} ms: {Describe(new[] { a, b })}");
        Assert.True(stopped.Elapsed < SessionTimeout + TimeSpan.FromSeconds(8), $"took {stopped.Elapsed}");

        await Eventually.Holds(() => Assert.Equal(1200, seen.Select(s => (s.Partition, s.Offset)).Distinct().Count()), WaitLimit, PollInterval);
        var records = seen.ToList();
        // In order within a partition, for each reader.
        foreach (var g in records.GroupBy(s => (s.Consumer, s.Partition)))
            Assert.Equal(g.Select(s => s.Offset).Order(), g.Select(s => s.Offset));
        // Read twice: only c's partitions, and only from the offset it had committed.
        var duplicates = records.GroupBy(s => (s.Partition, s.Offset)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Log($"{duplicates.Count} record(s) read twice");
        Assert.All(duplicates, d =>
        {
            Assert.Contains(d.Partition, cPartitions);
            Assert.True(d.Offset >= committedAtStop.GetValueOrDefault(d.Partition, 0), $"p{d.Partition} o{d.Offset} was committed before c stopped");
        });

        // b closes: it leaves at once, and a owns everything well before a session timeout would pass.
        var closing = Stopwatch.StartNew();
        await b.CloseAsync();
        await Eventually.Holds(() => Assert.Equal(Partitions, a.Assignment.Count), WaitLimit, PollInterval);
        Log($"after b closed, a owns all {Partitions} in {closing.ElapsedMilliseconds} ms");
        Assert.True(closing.Elapsed < SessionTimeout, $"b's partitions took {closing.Elapsed} to reach a: it did not leave at once");

        await stopAll.CancelAsync();
        await Task.WhenAll(loops);
        await a.CloseAsync();
        var committed = await producer.FetchOffsetsAsync(Group);
        Assert.Equal(1200, committed.Sum(o => o.Offset));
        foreach (var client in clients.Take(2)) await client.DisposeAsync();
        // c never closed (it "died"); stop its background loops. Its last commit and goodbye fail: its client is gone.
        try { await c.CloseAsync(); } catch (Exception) { }
    }

    private void Log(string message) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    private static string Describe(IEnumerable<ActorLogConsumer> consumers) =>
        string.Join(" ", consumers.Select(c => $"[{string.Join(",", c.Assignment.Select(tp => tp.Partition).Order())}]"));

    private static void AssertOnePerPartition(IEnumerable<ActorLogConsumer> consumers)
    {
        var owned = consumers.SelectMany(c => c.Assignment).Select(tp => tp.Partition).ToList();
        Assert.Equal(Enumerable.Range(0, Partitions), owned.Order());
    }

    private static async Task ProduceAsync(ActorLogClient client, int from, int count) =>
        await Task.WhenAll(Enumerable.Range(from, count).Select(i => client.ProduceAsync(Topic, null, $"r{i}", Acks.All, i % Partitions)));
}
