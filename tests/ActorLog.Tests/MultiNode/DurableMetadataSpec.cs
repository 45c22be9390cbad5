using System.Text;
using Akka.Actor;
using Akka.DistributedData;
using Microsoft.Extensions.DependencyInjection;
using ActorLog.Client;
using ActorLog.Hosting;
using ActorLog.Metadata;
using ActorLog.Metadata.Durable;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The cluster metadata is a durable Distributed Data key (SQLite file metadata.db per broker): after every
/// broker has stopped without leaving, brokers restarted on the same data dirs have their topics back, and
/// ordinary (in-memory) Distributed Data keeps working beside the durable key.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class DurableMetadataSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private void Log(string what) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");

    private static async Task<ClusterMetadata> ReadLocalAsync(ActorSystem system)
    {
        var response = await DistributedData.Get(system).Replicator.Ask<IGetResponse>(Dsl.Get(MetadataKey.Key, ReadLocal.Instance), Timeout);
        return response.IsSuccessful ? MetadataKey.ValueOf(response.Get(MetadataKey.Key)) : ClusterMetadata.Empty;
    }

    private static async Task AwaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {timeout}: {what}");
            await Task.Delay(100);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Topics_survive_a_restart_of_every_broker_and_ordinary_ddata_keeps_working()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        Log("cluster up");
        TopicMetadata kept;
        await using (var client = await cluster.ConnectAsync())
        {
            kept = await client.CreateTopicAsync("kept", partitions: 3, replicationFactor: 3, minInsyncReplicas: 2);
            await client.CreateTopicAsync("dropped", partitions: 1, replicationFactor: 2);
            await client.DeleteTopicAsync("dropped");
            await Task.WhenAll(Enumerable.Range(0, 30).Select(i => client.ProduceAsync("kept", $"k{i}", $"before-{i}", Acks.All)));
        }
        Log("topics written, 30 records produced");

        // Majority writes are on disk on at least two brokers; wait until gossip has brought the last version
        // to the third too, so each broker's own file (read right after the restart) is complete.
        var written = await ReadLocalAsync(cluster.System(0));
        for (var i = 0; i < cluster.Count; i++)
        {
            var system = cluster.System(i);
            await AwaitAsync(async () => (await ReadLocalAsync(system)).Version >= written.Version, Timeout, $"broker {i + 1} has version {written.Version}");
            Assert.True(File.Exists(Path.Combine(cluster.DataDir(i), BrokerConfig.MetadataFileName)));
        }
        Assert.Equal(["kept"], written.Topics.Keys);
        Log($"metadata version {written.Version} on every broker");

        // Only the main replicator has a durable store: sharding's own would open a second store on the same file.
        var broker1 = cluster.System(0);
        var main = DistributedData.Get(broker1).Replicator.Path;
        await broker1.ActorSelection(main / "durableStore").ResolveOne(Timeout);
        await broker1.ActorSelection("/system/sharding/brokerReplicator").ResolveOne(Timeout);
        await Assert.ThrowsAsync<ActorNotFoundException>(() => broker1.ActorSelection("/system/sharding/brokerReplicator/durableStore").ResolveOne(TimeSpan.FromSeconds(3)));

        for (var i = cluster.Count - 1; i >= 0; i--) await cluster.CrashBrokerAsync(i);
        Log("every broker stopped");
        await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(cluster.StartBrokerAsync));
        Log("every broker started again");

        // Read locally at once, before the cluster has formed: each broker loaded its own file.
        for (var i = 0; i < cluster.Count; i++)
        {
            var local = await ReadLocalAsync(cluster.System(i));
            Assert.True(local.Version >= written.Version, $"broker {i + 1}: version {local.Version} < {written.Version}");
            Assert.Equal(["kept"], local.Topics.Keys);
            Assert.Equal(kept.Partitions.Select(p => p.Replicas.ToArray()), local.Topics["kept"].Partitions.Select(p => p.Replicas.ToArray()));
        }
        Log("metadata read locally on every broker");

        await cluster.WaitForMembersAsync(3, TimeSpan.FromSeconds(60));
        Log("cluster up again");

        // A key that is not durable: replicated to a majority and read back through the restarted replicators.
        var counterKey = new GCounterKey("durable-spec-counter");
        var replicator = DistributedData.Get(cluster.System(1)).Replicator;
        var node = Akka.Cluster.Cluster.Get(cluster.System(1)).SelfUniqueAddress;
        var updated = await replicator.Ask<IUpdateResponse>(Dsl.Update(counterKey, GCounter.Empty, new WriteMajority(Timeout), c => c.Increment(node, 3)), Timeout + Timeout);
        Assert.True(updated.IsSuccessful, $"WriteMajority of a non-durable key: {updated}");
        var read = await DistributedData.Get(cluster.System(2)).Replicator.Ask<IGetResponse>(Dsl.Get(counterKey, new ReadMajority(Timeout)), Timeout + Timeout);
        Assert.Equal(3UL, read.Get(counterKey).Value);

        // The clients see the topic, and its partitions serve the records from before the restart and new ones.
        await using (var client = await cluster.ConnectAsync())
        {
            var topics = await client.ListTopicsAsync();
            Assert.Equal(["kept"], topics.Select(t => t.Name));
            Assert.Equal(kept.Partitions.Select(p => p.Replicas.ToArray()), topics[0].Partitions.Select(p => p.Replicas.ToArray()));
            await Task.WhenAll(Enumerable.Range(0, 30).Select(i => client.ProduceAsync("kept", $"k{i}", $"after-{i}", Acks.All)));
            Log("30 more records produced");
            var values = new List<string>();
            for (var p = 0; p < 3; p++)
            {
                long offset = 0, hw;
                do
                {
                    var fetched = await client.FetchAsync("kept", p, offset, TimeSpan.Zero);
                    values.AddRange(fetched.Records.Select(r => Encoding.UTF8.GetString(r.Value!)));
                    offset = fetched.Records.Count == 0 ? offset : fetched.Records[^1].Offset + 1;
                    hw = fetched.HighWatermark;
                } while (offset < hw);
            }
            Assert.Equal(Enumerable.Range(0, 30).SelectMany(i => new[] { $"before-{i}", $"after-{i}" }).Order(), values.Order());
        }
        Log("60 records read back");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_broker_whose_metadata_file_is_unreadable_stops_instead_of_timing_out_every_request()
    {
        var dataDir = Directory.CreateTempSubdirectory("actorlog-unreadable-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dataDir, BrokerConfig.MetadataFileName), "not a SQLite file " + new string('x', 4096));
            var port = LoopbackPorts.Free(1)[0];
            using var host = BrokerHosting.BuildBrokerHost(new BrokerOptions
            {
                BrokerId = 1,
                Host = "127.0.0.1",
                Port = port,
                DataDir = dataDir,
                ExtraHocon = "akka.loglevel = WARNING",
            });
            await host.StartAsync();
            var system = host.Services.GetRequiredService<ActorSystem>();
            var terminated = await Task.WhenAny(system.WhenTerminated, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.Same(system.WhenTerminated, terminated);
            Assert.IsType<ReplicatorWatch.ReplicatorStoppedReason>(CoordinatedShutdown.Get(system).ShutdownReason);
            Log("the broker stopped: its replicator could not load the durable store");
            await host.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }
}
