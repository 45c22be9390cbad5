using System.Text.Json;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Groups;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// A consumer group across processes: three brokers, two `actorlog consume --group` processes and an
/// `actorlog produce` process fed while it runs. One consumer is killed -9, then the broker coordinating the
/// group. Every acknowledged record must be printed by some consumer (at least once), the group's committed
/// offsets, watched all along, must never go backwards, and the lag must come back to 0. The brokers clean the offsets
/// topic after every 256 bytes of commits (decision 33), so the coordinator that takes over loads the group from a cleaned log.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ConsumerGroupProcessTests(ITestOutputHelper output)
{
    private const string Topic = "orders";
    private const string Group = "shipping";
    private const int Partitions = 6;

    [Fact]
    public async Task The_group_reads_everything_across_a_killed_consumer_and_a_killed_coordinator()
    {
        string? config = null;
        await using var cluster = new ProcessCluster(3, output, _ => new[] { "--config", config! });
        config = cluster.WriteFile("cleaning.conf", "actorlog.groups.offsets-cleaning-min-bytes = 256B\n");
        await cluster.StartAllAsync();
        var create = await cluster.RunAsync(null, "topics", "create", Topic, "--partitions", $"{Partitions}", "--replication-factor", "3",
            "--min-insync-replicas", "2");
        Assert.True(create.ExitCode == 0, create.ToString());

        string[] consumeArgs = { "--bootstrap", cluster.Bootstrap, "consume", Topic, "--group", Group, "--from-beginning", "--output", "json" };
        using var consumer1 = CliProcess.Start("consumer-1", consumeArgs);
        using var consumer2 = CliProcess.Start("consumer-2", consumeArgs);
        using var producer = CliProcess.Start("producer", "--bootstrap", cluster.Bootstrap, "produce", Topic, "--acks", "all",
            "--key-separator", ":", "--output", "json");
        await using var client = await ActorLogClient.ConnectAsync(cluster.Bootstrap);
        using var stopWatching = new CancellationTokenSource();
        var watcher = new CommittedOffsetsWatcher(client, Group);
        var watching = watcher.RunAsync(stopWatching.Token);
        var coordinatorKilledAt = 0L;
        try
        {
            // Both members own partitions before anything is produced.
            await Eventually.Async(async () =>
            {
                var described = await client.DescribeGroupAsync(Group);
                Assert.Equal(2, described.Members.Count);
                Assert.All(described.Members, m => Assert.NotEmpty(m.Assigned));
                Assert.Equal("Stable", described.State);
            }, TimeSpan.FromSeconds(60));

            var sent = 0;
            async Task ProduceAsync(int count)
            {
                await producer.WriteLinesAsync(Enumerable.Range(sent, count).Select(i => $"key-{i % 97}:record-{i}"));
                sent += count;
            }

            // A steady stream; a consumer dies mid-stream, later the coordinator's broker.
            for (var i = 0; i < 10; i++) { await ProduceAsync(100); await Task.Delay(100); }
            await Eventually.Async(() => { Assert.NotEmpty(consumer1.Lines); return Task.CompletedTask; }, TimeSpan.FromSeconds(30));
            output.WriteLine($"killing consumer-1 after it printed {consumer1.Lines.Count} record(s)");
            consumer1.Kill();
            var killedAt = Environment.TickCount64;
            for (var i = 0; i < 10; i++) { await ProduceAsync(100); await Task.Delay(100); }

            await Eventually.Async(async () =>
            {
                var described = await client.DescribeGroupAsync(Group);
                Assert.Equal(Partitions, Assert.Single(described.Members).Assigned.Count);
            }, TimeSpan.FromSeconds(60));
            output.WriteLine($"consumer-2 owned every partition {Environment.TickCount64 - killedAt} ms after consumer-1 was killed (session timeout 10 s)");

            var coordinatorBroker = await CoordinatorBrokerAsync(client);
            var cleanedTo = await Eventually.Value(async () =>
            {
                var logStart = (await OffsetsPartitionAsync(client)).LogStartOffset;
                Assert.True(logStart > 0, "the group's offsets partition is not cleaned yet");
                return logStart;
            }, TimeSpan.FromSeconds(60));
            output.WriteLine($"killing broker {coordinatorBroker}, which coordinates group {Group} (its offsets log cleaned up to {cleanedTo})");
            cluster.Nodes[coordinatorBroker - 1]!.Kill();
            coordinatorKilledAt = Environment.TickCount64;
            for (var i = 0; i < 20; i++) { await ProduceAsync(100); await Task.Delay(100); }
            producer.CloseInput();
            Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, producer.ToString());

            var acknowledged = producer.Lines.Select(l => JsonDocument.Parse(l).RootElement)
                .Select(e => (Partition: e.GetProperty("partition").GetInt32(), Offset: e.GetProperty("offset").GetInt64())).ToList();
            Assert.Equal(sent, acknowledged.Count);
            output.WriteLine($"{sent} record(s) acknowledged");

            // Everything acknowledged is read by the group: the survivor took over the dead consumer's partitions.
            await Eventually.Async(() =>
            {
                var consumed = Consumed(consumer1).Concat(Consumed(consumer2)).Select(r => (r.Partition, r.Offset)).ToHashSet();
                var missing = acknowledged.Where(a => !consumed.Contains(a)).ToList();
                Assert.True(missing.Count == 0, $"{missing.Count} record(s) not consumed yet, e.g. {string.Join(", ", missing.Take(5))}");
                return Task.CompletedTask;
            }, TimeSpan.FromSeconds(90));

            // Each consumer printed each partition's records in offset order, and values are the ones produced.
            foreach (var consumer in new[] { consumer1, consumer2 })
                foreach (var partition in Consumed(consumer).GroupBy(r => r.Partition))
                {
                    var offsets = partition.Select(r => r.Offset).ToList();
                    for (var i = 1; i < offsets.Count; i++)
                        Assert.True(offsets[i] == offsets[i - 1] + 1 || offsets[i] <= offsets[i - 1],
                            $"{consumer.Name} skipped from {offsets[i - 1]} to {offsets[i]} in partition {partition.Key}");
                }
            var produced = acknowledged.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => $"record-{x.i}");
            foreach (var r in Consumed(consumer1).Concat(Consumed(consumer2)))
                Assert.Equal(produced[(r.Partition, r.Offset)], r.Value);

            // The lag comes back to 0 once the survivor commits (auto-commit), and the CLI says so.
            var ends = acknowledged.GroupBy(a => a.Partition).ToDictionary(g => g.Key, g => g.Max(a => a.Offset) + 1);
            await Eventually.Async(async () =>
            {
                var described = await cluster.JsonAsync("groups", "describe", Group);
                var offsets = described.GetProperty("offsets").EnumerateArray().ToList();
                Assert.Equal(Partitions, offsets.Count);
                foreach (var o in offsets)
                {
                    Assert.Equal(0, o.GetProperty("lag").GetInt64());
                    Assert.Equal(ends.GetValueOrDefault(o.GetProperty("partition").GetInt32()), o.GetProperty("committed").GetInt64());
                }
                Assert.Single(described.GetProperty("members").EnumerateArray());
            }, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watching;
            output.WriteLine(consumer1.ToString());
            output.WriteLine(consumer2.ToString());
            output.WriteLine(producer.ToString());
        }
        output.WriteLine($"committed offsets read {watcher.Reads} time(s), {watcher.Failures} read(s) failed (coordinator moving); " +
            $"longest time without an answer {watcher.LongestGapMs} ms, ending {watcher.LongestGapEndedAtMs - coordinatorKilledAt} ms after the coordinator's broker was killed");
        foreach (var failure in watcher.FailureMessages) output.WriteLine($"  read failed {failure}");
        Assert.True(watcher.Reads > 20, $"the committed offsets were read only {watcher.Reads} time(s)");
        Assert.Empty(watcher.Regressions);
        await consumer2.StopAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<int> CoordinatorBrokerAsync(ActorLogClient client) => (await OffsetsPartitionAsync(client)).Leader;

    /// <summary>The group's partition of __consumer_offsets as described.</summary>
    private static async Task<GatewayProtocol.PartitionDescription> OffsetsPartitionAsync(ActorLogClient client)
    {
        var described = await client.DescribeTopicAsync(OffsetsTopic.Name);
        var offsetsPartition = OffsetsTopic.PartitionFor(Group, described.Partitions.Count);
        return described.Partitions.Single(p => p.Partition == offsetsPartition);
    }

    private static IEnumerable<(int Partition, long Offset, string Value)> Consumed(CliProcess consumer) =>
        consumer.Lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("partition").GetInt32(), e.GetProperty("offset").GetInt64(), e.GetProperty("value").GetString()!));

    /// <summary>Reads the group's committed offsets over and over and remembers any that went down.</summary>
    private sealed class CommittedOffsetsWatcher(ActorLogClient client, string group)
    {
        private readonly Dictionary<TopicPartition, long> _highest = new();

        private long _lastReadMs = Environment.TickCount64;

        public int Reads { get; private set; }

        /// <summary>The longest time without a successful read: how long the group had no coordinator, seen from a client.</summary>
        public long LongestGapMs { get; private set; }

        /// <summary>When (Environment.TickCount64) that longest gap ended.</summary>
        public long LongestGapEndedAtMs { get; private set; }

        public int Failures { get; private set; }
        public List<string> Regressions { get; } = new();
        public List<string> FailureMessages { get; } = new();

        public async Task RunAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    foreach (var o in await client.FetchOffsetsAsync(group, null, ct))
                    {
                        if (o.Offset < _highest.GetValueOrDefault(o.Partition, -1))
                            Regressions.Add($"{o.Partition}: committed {o.Offset} after {_highest[o.Partition]}");
                        _highest[o.Partition] = Math.Max(o.Offset, _highest.GetValueOrDefault(o.Partition, -1));
                    }
                    Reads++;
                    if (Environment.TickCount64 - _lastReadMs > LongestGapMs)
                        (LongestGapMs, LongestGapEndedAtMs) = (Environment.TickCount64 - _lastReadMs, Environment.TickCount64);
                    _lastReadMs = Environment.TickCount64;
                }
                catch (OperationCanceledException) { return; }
                catch (ActorLogException e) when (e.Code == ErrorCode.GroupIdNotFound && Reads == 0)
                {
                    // Before the consumers join, the group does not exist yet.
                    _lastReadMs = Environment.TickCount64;
                }
                catch (Exception e) when (e is ActorLogException or TimeoutException)
                {
                    Failures++;
                    FailureMessages.Add($"{Environment.TickCount64 - _lastReadMs} ms after the last read: {e.Message}");
                }
                try { await Task.Delay(250, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
