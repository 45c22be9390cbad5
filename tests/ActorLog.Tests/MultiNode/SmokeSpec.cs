using ActorLog.Client;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class SmokeSpec(ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task Three_brokers_create_produce_fetch()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        var topic = await client.CreateTopicAsync("smoke", 3, 3, 2);
        output.WriteLine(string.Join("; ", topic.Partitions.Select(p => $"{p.Partition}: leader {p.Leader} replicas [{string.Join(",", p.Replicas)}]")));
        var produce = client.ProduceAsync("smoke", "k1", "v1", Acks.All);
        if (await Task.WhenAny(produce, Task.Delay(TimeSpan.FromSeconds(70))) != produce)
            Assert.Fail($"not acknowledged within 70 s; client state: {await client.DescribeStateAsync()}");
        var r = await produce;
        output.WriteLine($"produced at {r.Partition}/{r.Offset}");
        var fetched = await client.FetchAsync("smoke", r.Partition, 0);
        Assert.Single(fetched.Records);
        var d = await client.DescribeTopicAsync("smoke");
        foreach (var p in d.Partitions) output.WriteLine($"{p.Partition}: leader {p.Leader} epoch {p.LeaderEpoch} isr [{string.Join(",", p.Isr)}] leo {p.LogEndOffset} hw {p.HighWatermark}");
    }
}
