using ActorLog.Log;
using Xunit;

namespace ActorLog.Tests.Unit;

public class LeaderEpochCacheTests
{
    /// <summary>Epoch 0 from 0, epoch 2 from 5, epoch 3 from 9.</summary>
    private static LeaderEpochCache Cache()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(0, 0);
        cache.Assign(2, 5);
        cache.Assign(3, 9);
        return cache;
    }

    [Fact]
    public void Empty_cache_has_no_epoch()
    {
        var cache = new LeaderEpochCache();
        Assert.Equal(-1, cache.LatestEpoch);
        Assert.Empty(cache.Entries);
        Assert.Equal((-1, -1L), cache.EndOffsetFor(0, 0));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(5, 100));
    }

    [Fact]
    public void Assign_ignores_epochs_not_above_the_latest()
    {
        var cache = Cache();
        cache.Assign(3, 12);
        cache.Assign(1, 13);
        Assert.Equal(new[] { (0, 0L), (2, 5L), (3, 9L) }, cache.Entries);
        Assert.Equal(3, cache.LatestEpoch);
        cache.Assign(7, 14);
        Assert.Equal(7, cache.LatestEpoch);
        Assert.Equal((7, 14L), cache.Entries[^1]);
    }

    [Theory]
    [InlineData(0, 0, 5L)]   // epoch 0 ended where epoch 2 began
    [InlineData(1, 0, 5L)]   // no epoch 1: the largest epoch below it is 0
    [InlineData(2, 2, 9L)]
    [InlineData(3, 3, 12L)]  // the latest epoch ends at the log end
    [InlineData(10, 3, 12L)] // above the latest: the latest, up to the log end
    public void EndOffsetFor_returns_the_largest_epoch_not_above_and_where_it_ended(int requested, int epoch, long end)
    {
        Assert.Equal((epoch, end), Cache().EndOffsetFor(requested, 12));
    }

    [Fact]
    public void EndOffsetFor_an_epoch_below_the_first_is_undefined()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(4, 10);
        Assert.Equal((-1, -1L), cache.EndOffsetFor(3, 20));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(-1, 20));
        Assert.Equal((4, 20L), cache.EndOffsetFor(4, 20));
    }

    [Fact]
    public void TruncateFrom_forgets_epochs_starting_at_or_after_the_offset()
    {
        var cache = Cache();
        cache.TruncateFrom(9);
        Assert.Equal(new[] { (0, 0L), (2, 5L) }, cache.Entries);
        Assert.Equal(2, cache.LatestEpoch);
        Assert.Equal((2, 9L), cache.EndOffsetFor(3, 9));
    }

    [Fact]
    public void TruncateFrom_inside_an_epoch_keeps_it()
    {
        var cache = Cache();
        cache.TruncateFrom(7);
        Assert.Equal(new[] { (0, 0L), (2, 5L) }, cache.Entries);
        cache.TruncateFrom(6);
        Assert.Equal(2, cache.LatestEpoch);
    }

    [Fact]
    public void TruncateFrom_zero_or_past_the_end()
    {
        var cache = Cache();
        cache.TruncateFrom(100);
        Assert.Equal(3, cache.Entries.Count);
        cache.TruncateFrom(0);
        Assert.Empty(cache.Entries);
        Assert.Equal(-1, cache.LatestEpoch);
    }

    [Fact]
    public void After_truncation_a_new_epoch_can_start_at_the_truncation_point()
    {
        var cache = Cache();
        cache.TruncateFrom(5);
        cache.Assign(4, 5);
        Assert.Equal(new[] { (0, 0L), (4, 5L) }, cache.Entries);
        Assert.Equal((0, 5L), cache.EndOffsetFor(3, 8));
    }
}
