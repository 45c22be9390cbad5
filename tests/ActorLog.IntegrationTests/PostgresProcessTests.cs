using System.Diagnostics;
using System.Text.Json;
using ActorLog.Hosting;
using ActorLog.IntegrationTests.Infrastructure;
using ActorLog.Partitioning;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// Brokers whose log store is PostgreSQL (storage.provider = postgresql), each in its own schema of one database,
/// against a throwaway server (<see cref="PostgresServer"/>): the records reach PostgreSQL, not SQLite, and survive
/// kill -9 of every broker; a broker that cannot use its store exits at once saying why.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class PostgresProcessTests(ITestOutputHelper output)
{
    private static string BrokerConfig(string connectionString, string? schema = null) =>
        $"actorlog.storage {{ provider = postgresql, postgresql-connection-string = \"{connectionString}\"" +
        (schema is null ? "" : $", postgresql-schema = \"{schema}\"") + " }\n";

    [Fact]
    public async Task Three_brokers_write_their_logs_to_their_own_schemas_and_every_record_survives_kill_9_of_all()
    {
        var clock = Stopwatch.StartNew();
        await using var pg = await PostgresServer.StartAsync();
        output.WriteLine($"PostgreSQL on port {pg.Port} after {clock.Elapsed.TotalSeconds:0.0}s");
        var config = "";
        await using var cluster = new ProcessCluster(3, output, _ => ["--config", config]);
        // No postgresql-schema: each broker takes broker_<id>. Index snapshots every KiB, so the restart below loads
        // them from PostgreSQL's snapshot table.
        config = cluster.WriteFile("postgresql.conf", BrokerConfig(pg.ConnectionString) +
            "actorlog.log { snapshot-after-bytes = 1KiB, retention-check-interval = 1s }\n");
        await cluster.StartAllAsync();
        output.WriteLine($"3 brokers up after {clock.Elapsed.TotalSeconds:0.0}s");

        var create = await cluster.RunAsync(null, "topics", "create", "orders", "--partitions", "3", "--replication-factor", "3");
        Assert.True(create.ExitCode == 0, create.ToString());
        var lines = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"key-{i % 50}:value-{i}")) + "\n";
        var produce = await cluster.RunAsync(lines, "produce", "orders", "--key-separator", ":", "--acks", "all", "--output", "json");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        var acks = produce.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(1000, acks.Count);
        for (var i = 0; i < 1000; i++)
            Assert.Equal(KafkaPartitioner.PartitionForKey($"key-{i % 50}", 3), acks[i].GetProperty("partition").GetInt32());
        output.WriteLine($"1000 records acknowledged (acks=all) after {clock.Elapsed.TotalSeconds:0.0}s");

        var before = await ConsumeAllAsync(cluster);
        AssertInProduceOrderWithoutGaps(before);
        output.WriteLine($"1000 records consumed after {clock.Elapsed.TotalSeconds:0.0}s");

        // The records are in each broker's own schema (RF 3: every broker holds a replica of every partition),
        // claimed by that broker; no SQLite journal was made in the data dirs.
        for (var id = 1; id <= 3; id++)
        {
            var rows = (long)(await pg.ScalarAsync($"SELECT count(*) FROM broker_{id}.journal WHERE persistence_id LIKE 'partition-orders-%'"))!;
            var replicas = (long)(await pg.ScalarAsync($"SELECT count(DISTINCT persistence_id) FROM broker_{id}.journal WHERE persistence_id LIKE 'partition-orders-%'"))!;
            var owner = (int)(await pg.ScalarAsync($"SELECT broker_id FROM broker_{id}.{PostgresStorage.OwnerTable}"))!;
            output.WriteLine($"schema broker_{id}: {rows} journal rows for orders, {replicas} replicas, owned by broker {owner}");
            Assert.True(rows > 0, $"schema broker_{id} holds no journal rows");
            Assert.Equal(3, replicas);
            Assert.Equal(id, owner);
            Assert.False(File.Exists(Path.Combine(cluster.DataDir(id), "actorlog.db")), $"broker {id} made a SQLite journal");
            // One snapshot of the index per replica, the older ones deleted (deletion follows each save: wait for it).
            await Eventually.Async(async () =>
            {
                var snapshots = (long)(await pg.ScalarAsync($"SELECT count(*) FROM broker_{id}.snapshot WHERE persistence_id LIKE 'partition-orders-%'"))!;
                Assert.Equal(3, snapshots);
            }, TimeSpan.FromSeconds(30));
        }

        foreach (var node in cluster.Nodes) node!.Kill();
        output.WriteLine($"3 brokers killed after {clock.Elapsed.TotalSeconds:0.0}s");
        for (var id = 1; id <= 3; id++) cluster.Start(id);
        await cluster.WaitForBrokersUpAsync(3, TimeSpan.FromSeconds(60));
        output.WriteLine($"3 brokers back after kill -9 after {clock.Elapsed.TotalSeconds:0.0}s");

        // The high watermark comes back once the followers have told the new leaders where they are.
        await Eventually.Async(async () =>
        {
            var d = await cluster.JsonAsync("topics", "describe", "orders");
            Assert.Equal(1000, d.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("highWatermark").GetInt64()));
        }, TimeSpan.FromSeconds(30));
        var after = await ConsumeAllAsync(cluster);
        Assert.Equal(before, after);
        output.WriteLine($"all 1000 records read back after the restart, {clock.Elapsed.TotalSeconds:0.0}s in all");

        // Retention deletes the rows of the batches it drops from PostgreSQL too: 8 produce commands write at least
        // 8 batches of ~14 KB; retention.bytes keeps the newest ~20 KB (and a few markers).
        var retained = await cluster.RunAsync(null, "topics", "create", "clicks", "--partitions", "1", "--replication-factor", "3",
            "--retention-bytes", "20000");
        Assert.True(retained.ExitCode == 0, retained.ToString());
        for (var wave = 0; wave < 8; wave++)
        {
            var clicks = string.Join("\n", Enumerable.Range(wave * 200, 200).Select(i => $"click-{i:D6}-".PadRight(50, 'x'))) + "\n";
            var produced = await cluster.RunAsync(clicks, "produce", "clicks", "--acks", "all");
            Assert.True(produced.ExitCode == 0, produced.ToString());
        }
        await Eventually.Async(async () =>
        {
            var p = (await cluster.JsonAsync("topics", "describe", "clicks")).GetProperty("partitions")[0];
            Assert.InRange(p.GetProperty("logStartOffset").GetInt64(), 1000, 1400);
            for (var id = 1; id <= 3; id++)
                Assert.InRange((long)(await pg.ScalarAsync($"SELECT count(*) FROM broker_{id}.journal WHERE persistence_id = 'partition-clicks-0'"))!, 1, 7);
        }, TimeSpan.FromSeconds(60));
        output.WriteLine($"retention deleted the dropped batches' rows from every schema, {clock.Elapsed.TotalSeconds:0.0}s in all");
    }

    [Fact]
    public async Task A_broker_refuses_a_postgresql_schema_that_holds_another_brokers_log()
    {
        await using var pg = await PostgresServer.StartAsync();
        await using var cluster = new ProcessCluster(2, output);
        // Broker 2 is (wrongly) pointed at broker 1's schema, as a copied config file would.
        var config = cluster.WriteFile("shared-schema.conf", BrokerConfig(pg.ConnectionString, schema: "broker_1"));
        await pg.ExecuteAsync($"CREATE SCHEMA broker_1; CREATE TABLE broker_1.{PostgresStorage.OwnerTable} (broker_id integer NOT NULL); " +
            $"INSERT INTO broker_1.{PostgresStorage.OwnerTable} VALUES (1)");

        var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(30), "node", "--broker-id", "2", "--port", "0",
            "--data-dir", cluster.DataDir(2), "--config", config);
        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("schema 'broker_1'", result.StdErr);
        Assert.Contains("holds the log of broker 1, not of broker 2", result.StdErr);
        Assert.Equal(1L, await pg.ScalarAsync("SELECT count(*) FROM broker_1." + PostgresStorage.OwnerTable));
    }

    [Fact]
    public async Task A_broker_whose_postgresql_server_is_unreachable_exits_within_seconds_naming_it()
    {
        // Nothing listens on a port just found free: the connection is refused.
        var port = LoopbackPorts.Free(1)[0];
        await using var cluster = new ProcessCluster(1, output);
        var config = cluster.WriteFile("unreachable.conf", BrokerConfig($"Host=127.0.0.1;Port={port};Database=actorlog;Username=actorlog;Password=secret-pw"));

        var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(30), "node", "--broker-id", "1", "--port", "0",
            "--data-dir", cluster.DataDir(1), "--config", config);
        output.WriteLine(result.ToString());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"cannot connect to the log store, PostgreSQL 127.0.0.1:{port}, database 'actorlog'", result.StdErr);
        Assert.Contains("Connection refused", result.StdErr);
        Assert.DoesNotContain("secret-pw", result.StdErr + result.StdOut);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), $"took {result.Elapsed}");
    }

    private static async Task<List<(int Partition, long Offset, string Key, string Value)>> ConsumeAllAsync(ProcessCluster cluster)
    {
        var consume = await cluster.RunAsync(null, "consume", "orders", "--from-beginning", "--max-messages", "1000",
            "--timeout-ms", "15000", "--output", "json");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        return consume.Lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("offset").GetInt64(),
                r.GetProperty("key").GetString()!, r.GetProperty("value").GetString()!))
            .OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList();
    }

    /// <summary>All 1000 records; each partition's offsets 0..n-1 and, per key, values in the order produced.</summary>
    private static void AssertInProduceOrderWithoutGaps(List<(int Partition, long Offset, string Key, string Value)> records)
    {
        Assert.Equal(1000, records.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"value-{i}").Order(), records.Select(r => r.Value).Order());
        foreach (var partition in records.GroupBy(r => r.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(x => (long)x), partition.Select(r => r.Offset));
            var produced = partition.Select(r => int.Parse(r.Value["value-".Length..])).ToList();
            Assert.Equal(produced.Order(), produced);
            Assert.All(partition, r => Assert.Equal(KafkaPartitioner.PartitionForKey(r.Key, 3), r.Partition));
        }
    }
}
