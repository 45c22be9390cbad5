using System.Text.Json;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// Retention through the CLI on three `actorlog node` processes that check it every second: the log start moves up,
/// consumers from the beginning start there, a read below it fails, and a follower killed while the leader's log
/// moved past its end comes back, starts its log over at the leader's start and rejoins the in-sync replicas.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class RetentionProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Retention_moves_the_log_start_and_a_follower_behind_it_starts_over()
    {
        string? config = null;
        await using var cluster = new ProcessCluster(3, output, _ => new[] { "--config", config! });
        config = cluster.WriteFile("retention.conf", "actorlog.log.retention-check-interval = 1s\n");
        await cluster.StartAllAsync();

        var create = await cluster.JsonAsync("topics", "create", "clicks", "--partitions", "1", "--replication-factor", "3",
            "--min-insync-replicas", "2", "--retention-bytes", "20000");
        Assert.Equal(20000, create.GetProperty("retentionBytes").GetInt64());
        // 1,600 records of ~70 bytes (~112 KB) in batches of up to 200: retention keeps 20,000 bytes and at most one
        // batch more, so the log starts where 286 to 486 records are left.
        for (var wave = 0; wave < 8; wave++) await ProduceAsync(cluster, wave);
        var start = await Eventually.Value(async () =>
        {
            var p = Partition(await cluster.JsonAsync("topics", "describe", "clicks"));
            Assert.Equal(1600, p.GetProperty("highWatermark").GetInt64());
            var logStart = p.GetProperty("logStartOffset").GetInt64();
            Assert.InRange(logStart, 1600 - 486, 1600 - 286);
            // At least retention.bytes, and less than that plus one batch (200 records of 50-byte values).
            Assert.InRange(p.GetProperty("logSizeBytes").GetInt64(), 20000, 20000 + 200 * 70 + 40);
            return logStart;
        }, WaitLimit);

        var consume = await cluster.RunAsync(null, "consume", "clicks", "--from-beginning", "--timeout-ms", "3000", "--output", "json");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        var offsets = consume.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("offset").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range((int)start, 1600 - (int)start).Select(o => (long)o), offsets);
        var below = await cluster.RunAsync(null, "consume", "clicks", "--offset", "0", "--timeout-ms", "2000");
        Assert.True(below.ExitCode == 1 && below.StdErr.Contains("OffsetOutOfRange"), below.ToString());

        // Kill a follower; retention.ms of 1 s then leaves the leader only its newest batch, past the follower's end.
        var leader = Partition(await cluster.JsonAsync("topics", "describe", "clicks")).GetProperty("leader").GetInt32();
        var follower = new[] { 1, 2, 3 }.First(b => b != leader);
        cluster.Nodes[follower - 1]!.Kill();
        await cluster.WaitForBrokersUpAsync(2, WaitLimit);
        var altered = await cluster.JsonAsync("topics", "alter", "clicks", "--retention-ms", "1000");
        Assert.Equal(1000, altered.GetProperty("retentionMs").GetInt64());
        for (var wave = 8; wave < 11; wave++) await ProduceAsync(cluster, wave);
        await Eventually.Async(async () =>
            Assert.InRange(Partition(await cluster.JsonAsync("topics", "describe", "clicks")).GetProperty("logStartOffset").GetInt64(), 2000, 2199),
            WaitLimit);

        cluster.Start(follower);
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(90));
        await Eventually.Async(async () =>
        {
            var p = Partition(await cluster.JsonAsync("topics", "describe", "clicks"));
            Assert.Equal(3, p.GetProperty("isr").GetArrayLength());
            Assert.Equal(2200, p.GetProperty("highWatermark").GetInt64());
        }, WaitLimit);
        var log = cluster.Nodes[follower - 1]!.Output;
        Assert.Contains("below leader", log);
        output.WriteLine($"broker {follower} started over at the leader's log start and is back in sync");
    }

    private static async Task ProduceAsync(ProcessCluster cluster, int wave)
    {
        var lines = string.Join("\n", Enumerable.Range(wave * 200, 200).Select(i => $"click-{i:D6}-".PadRight(50, 'x'))) + "\n";
        var produce = await cluster.RunAsync(lines, "produce", "clicks", "--acks", "all");
        Assert.True(produce.ExitCode == 0, produce.ToString());
    }

    private static JsonElement Partition(JsonElement described) => described.GetProperty("partitions").EnumerateArray().Single();
}
