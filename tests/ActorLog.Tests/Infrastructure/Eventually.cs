using ActorLog.Client;
using ActorLog.Gateway;
using ActorLog.Metadata;
using Xunit;

namespace ActorLog.Tests.Infrastructure;

/// <summary>Waits on a condition (retrying an assertion until it holds or the time is up) instead of sleeping.</summary>
public static class Eventually
{
    public static async Task Async(Func<Task> assertion, TimeSpan timeout, TimeSpan interval)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(interval);
            }
        }
    }

    /// <summary>Retries until the producer returns a value without throwing, and returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> producer, TimeSpan timeout, TimeSpan interval)
    {
        T value = default!;
        await Async(async () => value = await producer(), timeout, interval);
        return value;
    }

    public static Task Holds(Action assertion, TimeSpan timeout, TimeSpan interval) =>
        Async(() =>
        {
            assertion();
            return Task.CompletedTask;
        }, timeout, interval);

    /// <summary>Waits until a partition's metadata (as the client's next refresh sees it) meets the condition.</summary>
    public static async Task<PartitionMetadata> PartitionAsync(ActorLogClient client, string topic, int partition,
        Func<PartitionMetadata, bool> condition, string what, TimeSpan timeout, TimeSpan interval)
    {
        PartitionMetadata? last = null;
        await Async(async () =>
        {
            last = (await client.RefreshMetadataAsync()).Topics.Single(t => t.Name == topic).Partitions[partition];
            Assert.True(condition(last), $"waiting for {what}; now leader {last.Leader} epoch {last.LeaderEpoch} ISR [{string.Join(",", last.Isr)}]");
        }, timeout, interval);
        return last!;
    }

    /// <summary>
    /// Waits until a partition as <c>describe</c> shows it (with its log-end offset and high watermark, which the
    /// metadata does not carry) meets the condition.
    /// </summary>
    public static async Task<GatewayProtocol.PartitionDescription> DescribedAsync(ActorLogClient client, string topic, int partition,
        Func<GatewayProtocol.PartitionDescription, bool> condition, string what, TimeSpan timeout, TimeSpan interval)
    {
        GatewayProtocol.PartitionDescription? last = null;
        await Async(async () =>
        {
            last = (await client.DescribeTopicAsync(topic)).Partitions[partition];
            Assert.True(condition(last), $"waiting for {what}; now {last}");
        }, timeout, interval);
        return last!;
    }
}
