using System.Text.Json;
using ActorLog.IntegrationTests.Infrastructure;
using ActorLog.Partitioning;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>Three real `actorlog node` processes driven only through the `actorlog` CLI, as a user would.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Create_produce_describe_consume_a_stopped_follower_catches_up_then_the_topic_grows()
    {
        await using var cluster = new ProcessCluster(3, output);
        await cluster.StartAllAsync();

        var create = await cluster.RunAsync(null, "topics", "create", "orders", "--partitions", "3", "--replication-factor", "3");
        Assert.True(create.ExitCode == 0, create.ToString());

        var lines = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"key-{i}:value-{i}")) + "\n";
        var produce = await cluster.RunAsync(lines, "produce", "orders", "--key-separator", ":", "--output", "json");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        var acks = produce.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(1000, acks.Count);
        for (var i = 0; i < 1000; i++)
            Assert.Equal(KafkaPartitioner.PartitionForKey($"key-{i}", 3), acks[i].GetProperty("partition").GetInt32());
        Assert.Equal(1000, acks.Select(a => (a.GetProperty("partition").GetInt32(), a.GetProperty("offset").GetInt64())).Distinct().Count());

        var described = await cluster.JsonAsync("topics", "describe", "orders");
        Assert.Equal("orders", described.GetProperty("topic").GetString());
        var partitions = described.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(3, partitions.Count);
        Assert.Equal(1000, partitions.Sum(p => p.GetProperty("highWatermark").GetInt64()));
        Assert.All(partitions, p => Assert.Equal(3, p.GetProperty("isr").GetArrayLength()));
        Assert.Equal(new[] { 1, 2, 3 }, partitions.Select(p => p.GetProperty("leader").GetInt32()).Order());

        var consume = await cluster.RunAsync(null, "consume", "orders", "--from-beginning", "--max-messages", "1000",
            "--timeout-ms", "15000", "--output", "json");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        var records = consume.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(1000, records.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"value-{i}").Order(), records.Select(r => r.GetProperty("value").GetString()!).Order());
        foreach (var group in records.GroupBy(r => r.GetProperty("partition").GetInt32()))
            Assert.Equal(Enumerable.Range(0, group.Count()).Select(x => (long)x), group.Select(r => r.GetProperty("offset").GetInt64()));

        // Stop a follower (broker 3 leads partition 2 only; it follows partitions 0 and 1), write with acks=1 meanwhile.
        await cluster.Nodes[2]!.StopAsync(TimeSpan.FromSeconds(30));
        await cluster.WaitForBrokersUpAsync(2, TimeSpan.FromSeconds(60));
        var more = string.Join("\n", Enumerable.Range(1000, 500).Select(i => $"key-{i}:value-{i}")) + "\n";
        var produce2 = await cluster.RunAsync(more, "produce", "orders", "--key-separator", ":", "--acks", "1");
        Assert.True(produce2.ExitCode == 0, produce2.ToString());
        var whileDown = await cluster.JsonAsync("topics", "describe", "orders");
        output.WriteLine($"while broker 3 is down: {whileDown}");
        Assert.All(whileDown.GetProperty("partitions").EnumerateArray(), p => Assert.Equal(2, p.GetProperty("isr").GetArrayLength()));

        cluster.Start(3);
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(90));
        await Eventually.Async(async () =>
        {
            var d = await cluster.JsonAsync("topics", "describe", "orders");
            var ps = d.GetProperty("partitions").EnumerateArray().ToList();
            Assert.All(ps, p => Assert.Equal(3, p.GetProperty("isr").GetArrayLength()));
            Assert.All(ps, p => Assert.Equal(p.GetProperty("logEndOffset").GetInt64(), p.GetProperty("highWatermark").GetInt64()));
            Assert.Equal(1500, ps.Sum(p => p.GetProperty("highWatermark").GetInt64()));
            output.WriteLine($"after broker 3 returned: {d}");
        }, TimeSpan.FromSeconds(60));

        // Grow the topic to 5 partitions. Leadership goes back to the preferred replicas first, so the automatic
        // rebalance (broker 3 is back) cannot move a leader while the old partitions are compared.
        var elect = await cluster.RunAsync(null, "topics", "elect-leaders", "orders");
        Assert.True(elect.ExitCode == 0, elect.ToString());
        var settled = await Eventually.Value(async () =>
        {
            var d = await cluster.JsonAsync("topics", "describe", "orders");
            Assert.All(d.GetProperty("partitions").EnumerateArray(), p =>
                Assert.Equal(p.GetProperty("preferredLeader").GetInt32(), p.GetProperty("leader").GetInt32()));
            return d;
        }, TimeSpan.FromSeconds(30));
        var altered = await cluster.JsonAsync("topics", "alter", "orders", "--partitions", "5");
        output.WriteLine($"altered: {altered}");
        var grown = altered.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 5), grown.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.Equal(Placement(settled.GetProperty("partitions").EnumerateArray()), Placement(grown.Take(3)));
        Assert.All(grown.Skip(3), p =>
        {
            Assert.Equal(3, p.GetProperty("replicas").GetArrayLength());
            Assert.Equal(0, p.GetProperty("leaderEpoch").GetInt32());
        });
        var describedAfter = await cluster.JsonAsync("topics", "describe", "orders");
        Assert.Equal("orders", altered.GetProperty("topic").GetString());
        Assert.Equal(Placement(describedAfter.GetProperty("partitions").EnumerateArray()), Placement(grown));

        // New producers place keys modulo 5, so some land in the new partitions.
        var keyed = string.Join("\n", Enumerable.Range(2000, 100).Select(i => $"key-{i}:value-{i}")) + "\n";
        var produce3 = await cluster.RunAsync(keyed, "produce", "orders", "--key-separator", ":", "--output", "json");
        Assert.True(produce3.ExitCode == 0, produce3.ToString());
        var placed = produce3.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("partition").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(2000, 100).Select(i => KafkaPartitioner.PartitionForKey($"key-{i}", 5)), placed);
        var inNew = (await cluster.JsonAsync("topics", "describe", "orders")).GetProperty("partitions").EnumerateArray()
            .Where(p => p.GetProperty("partition").GetInt32() >= 3).Sum(p => p.GetProperty("highWatermark").GetInt64());
        Assert.Equal(placed.Count(p => p >= 3), inNew);
        Assert.True(inNew > 0, "no key landed in the new partitions");

        // Shrinking is refused, and so is an alter that names nothing to change.
        var shrink = await cluster.RunAsync(null, "topics", "alter", "orders", "--partitions", "4");
        Assert.True(shrink.ExitCode == 1, shrink.ToString());
        Assert.Contains("InvalidPartitions: topic orders has 5 partitions; it can only grow, asked for 4", shrink.StdErr);
        var nothing = await cluster.RunAsync(null, "topics", "alter", "orders");
        Assert.True(nothing.ExitCode != 0 && nothing.StdErr.Contains("Give at least one of --partitions N"), nothing.ToString());
        Assert.Equal(5, (await cluster.JsonAsync("topics", "describe", "orders")).GetProperty("partitions").GetArrayLength());
    }

    /// <summary>Where each partition lives: its leader, leader epoch and replicas.</summary>
    private static List<string> Placement(IEnumerable<JsonElement> partitions) =>
        partitions.Select(p => $"{p.GetProperty("partition").GetInt32()}: leader {p.GetProperty("leader").GetInt32()} " +
            $"epoch {p.GetProperty("leaderEpoch").GetInt32()} replicas {p.GetProperty("replicas")}").ToList();
}
