using System.Text.Json;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>A broker restarted with its data dir rejoins the running cluster (even the first seed) and keeps its data.</summary>
[Collection(ProcessCollection.Name)]
public sealed class RestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_first_seed_restarted_rejoins_the_running_cluster_and_brings_back_its_log()
    {
        await using var cluster = new ProcessCluster(3, output);
        await cluster.StartAllAsync();
        Assert.Equal(0, (await cluster.RunAsync(null, "topics", "create", "kept", "--partitions", "1", "--replication-factor", "3")).ExitCode);
        var lines = string.Join("\n", Enumerable.Range(0, 200).Select(i => $"v{i}")) + "\n";
        Assert.Equal(0, (await cluster.RunAsync(lines, "produce", "kept", "--partition", "0")).ExitCode);

        // Broker 1 is the first seed (and, as the oldest member, runs the controller).
        await cluster.Nodes[0]!.StopAsync(TimeSpan.FromSeconds(30));
        await cluster.WaitForBrokersUpAsync(2, TimeSpan.FromSeconds(60));
        cluster.Start(1);
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(90));

        // Asked through each broker alone, every one sees the same three-broker cluster: no second cluster formed.
        foreach (var node in cluster.Nodes)
        {
            var status = await Eventually.Value(async () =>
            {
                var r = await ActorLogCli.RunAsync(null, "--bootstrap", $"127.0.0.1:{node!.Port}", "cluster", "status", "--output", "json");
                Assert.Equal(0, r.ExitCode);
                var json = JsonDocument.Parse(r.StdOut).RootElement.Clone();
                Assert.Equal(3, json.GetProperty("brokers").EnumerateArray().Count(b => b.GetProperty("status").GetString() == "up"));
                return json;
            }, TimeSpan.FromSeconds(60));
            output.WriteLine($"via broker {node!.BrokerId}: {status}");
        }

        // Broker 1 recovered its replica from its own journal and is back in sync with all 200 records.
        await Eventually.Async(async () =>
        {
            var d = await cluster.JsonAsync("topics", "describe", "kept");
            var p = d.GetProperty("partitions")[0];
            Assert.Equal(3, p.GetProperty("isr").GetArrayLength());
            Assert.Equal(200, p.GetProperty("highWatermark").GetInt64());
        }, TimeSpan.FromSeconds(60));
        var consumed = await cluster.RunAsync(null, "consume", "kept", "--from-beginning", "--max-messages", "200", "--timeout-ms", "10000");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"v{i}"), consumed.Lines);
    }
}
