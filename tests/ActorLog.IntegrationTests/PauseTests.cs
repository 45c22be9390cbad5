using System.Text.Json;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// A broker stopped (SIGSTOP) long enough for the others to down it: resumed, it learns it was downed and, instead of
/// exiting (it used to end with code 0, which systemd's Restart=on-failure does not restart), starts again as a new
/// incarnation in the same process, rejoins and catches up with what was written while it was out.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class PauseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_broker_downed_while_paused_starts_again_and_catches_up()
    {
        await using var cluster = new ProcessCluster(3, output);
        await cluster.StartAllAsync();
        Assert.Equal(0, (await cluster.RunAsync(null, "topics", "create", "paused", "--partitions", "1", "--replication-factor", "3",
            "--min-insync-replicas", "2")).ExitCode);
        Assert.Equal(0, (await cluster.RunAsync(Lines(0, 100), "produce", "paused", "--acks", "all")).ExitCode);

        var paused = cluster.Nodes[2]!;
        var viaOthers = $"127.0.0.1:{cluster.Nodes[0]!.Port},127.0.0.1:{cluster.Nodes[1]!.Port}";
        paused.Pause();
        try
        {
            // The others find it unreachable, down it and carry on with two in-sync replicas.
            await Eventually.Async(async () =>
            {
                var status = await ActorLogCli.RunAsync(null, "--bootstrap", viaOthers, "cluster", "status", "--output", "json");
                Assert.Equal(0, status.ExitCode);
                var brokers = JsonDocument.Parse(status.StdOut).RootElement.GetProperty("brokers").EnumerateArray();
                Assert.Equal([1, 2], brokers.Select(b => b.GetProperty("id").GetInt32()).Order());
            }, TimeSpan.FromSeconds(60));
            Assert.Equal(0, (await ActorLogCli.RunAsync(Lines(100, 200), "--bootstrap", viaOthers, "produce", "paused", "--acks", "all")).ExitCode);
        }
        finally
        {
            paused.Resume();
        }

        // Resumed, it starts again in the same process rather than exiting, and is back in the ISR with every record.
        await Eventually.Async(() =>
        {
            Assert.Contains("was downed by the cluster", paused.Output);
            Assert.Contains("Starting the broker again", paused.Output);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(60));
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(90));
        Assert.False(paused.HasExited, paused.Output);
        await Eventually.Async(async () =>
        {
            var p = (await cluster.JsonAsync("topics", "describe", "paused")).GetProperty("partitions")[0];
            Assert.Equal(3, p.GetProperty("isr").GetArrayLength());
            Assert.Equal(200, p.GetProperty("highWatermark").GetInt64());
        }, TimeSpan.FromSeconds(60));
        var consumed = await ActorLogCli.RunAsync(null, "--bootstrap", $"127.0.0.1:{paused.Port}", "consume", "paused", "--from-beginning",
            "--max-messages", "200", "--timeout-ms", "10000");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"v{i}"), consumed.Lines);
    }

    private static string Lines(int from, int to) => string.Join("\n", Enumerable.Range(from, to - from).Select(i => $"v{i}")) + "\n";
}
