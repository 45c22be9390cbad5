using ActorLog.Hosting;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// The cluster metadata is durable (metadata.db in each data dir): every broker process killed with SIGKILL and
/// started again on its data dir brings the topics back; a broker that cannot read its metadata file exits.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class FullRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_broker_killed_and_restarted_brings_back_the_topics_and_their_records()
    {
        await using var cluster = new ProcessCluster(3, output);
        await cluster.StartAllAsync();
        Assert.Equal(0, (await cluster.RunAsync(null, "topics", "create", "kept", "--partitions", "2", "--replication-factor", "3")).ExitCode);
        Assert.Equal(0, (await cluster.RunAsync(null, "topics", "create", "also-kept", "--partitions", "1", "--replication-factor", "2")).ExitCode);
        var lines = string.Join("\n", Enumerable.Range(0, 100).Select(i => $"v{i}")) + "\n";
        Assert.Equal(0, (await cluster.RunAsync(lines, "produce", "kept", "--partition", "1")).ExitCode);
        var before = (await cluster.JsonAsync("topics", "list")).ToString();
        output.WriteLine($"before: {before}");

        foreach (var node in cluster.Nodes) node!.Kill();
        for (var id = 1; id <= 3; id++) cluster.Start(id);
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(90));

        Assert.Equal(before, (await cluster.JsonAsync("topics", "list")).ToString());
        await Eventually.Async(async () =>
        {
            var d = await cluster.JsonAsync("topics", "describe", "kept");
            Assert.Equal(100, d.GetProperty("partitions")[1].GetProperty("highWatermark").GetInt64());
        }, TimeSpan.FromSeconds(60));
        var consumed = await cluster.RunAsync(null, "consume", "kept", "--partition", "1", "--offset", "0", "--max-messages", "100", "--timeout-ms", "10000");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"v{i}"), consumed.Lines);
    }

    [Fact]
    public async Task A_broker_whose_metadata_file_is_unreadable_exits_with_an_error_naming_the_file()
    {
        await using var cluster = new ProcessCluster(1, output);
        var file = Path.Combine(cluster.DataDir(1), BrokerConfig.MetadataFileName);
        Directory.CreateDirectory(cluster.DataDir(1));
        await File.WriteAllTextAsync(file, "not a SQLite file " + new string('x', 4096));
        cluster.Start(1);
        var exitCode = await cluster.Nodes[0]!.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(ProcessCluster.Tail(cluster.Nodes[0]!.Output));
        Assert.Equal(1, exitCode);
        Assert.Contains(file, cluster.Nodes[0]!.Output);
        Assert.Contains("file is not a database", cluster.Nodes[0]!.Output);
    }
}
