using ActorLog.Cli.Chaos;
using Xunit;

namespace ActorLog.Tests.Unit.Chaos;

public class FailoverTimesTests
{
    private static AckedRecord Ack(int partition, double seconds) => new(0, partition, 0, TimeSpan.FromSeconds(seconds));

    private static (int, TimeSpan, IReadOnlyList<int>) Kill(int number, double at, params int[] led) => (number, TimeSpan.FromSeconds(at), led);

    [Fact]
    public void Failover_is_the_time_from_the_kill_to_the_first_acknowledgement_after_it_on_each_led_partition()
    {
        var acks = new[] { Ack(0, 1), Ack(0, 9.9), Ack(0, 14.5), Ack(0, 15), Ack(1, 10.5), Ack(1, 11), Ack(2, 30), Ack(1, 21) };
        var result = FailoverTimes.Compute([Kill(1, 10, 0, 1), Kill(2, 20, 2)], acks);
        Assert.Equal(
            [new PartitionFailover(1, 0, TimeSpan.FromSeconds(4.5)), new PartitionFailover(1, 1, TimeSpan.FromSeconds(0.5)),
             new PartitionFailover(2, 2, TimeSpan.FromSeconds(10))],
            result);
    }

    [Fact]
    public void A_partition_without_an_acknowledgement_after_the_kill_never_recovered()
    {
        var result = FailoverTimes.Compute([Kill(1, 10, 0, 2)], [Ack(0, 9), Ack(0, 10), Ack(1, 12)]);
        Assert.All(result, f => Assert.Null(f.Unavailable));
        Assert.Equal(new FailoverSummary(0, null, null, 2), FailoverTimes.Summarize(result));
    }

    [Fact]
    public void Summary_takes_median_and_max_over_the_recovered_partitions()
    {
        PartitionFailover F(double? s) => new(1, 0, s is { } x ? TimeSpan.FromSeconds(x) : null);
        Assert.Equal(new FailoverSummary(3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9), 1),
            FailoverTimes.Summarize([F(9), F(1), F(null), F(2)]));
        Assert.Equal(new FailoverSummary(4, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(9), 0),
            FailoverTimes.Summarize([F(9), F(1), F(3), F(2)]));
    }
}
