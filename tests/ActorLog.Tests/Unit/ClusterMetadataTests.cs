using ActorLog.Common;
using ActorLog.Metadata;
using Xunit;

namespace ActorLog.Tests.Unit;

public class ClusterMetadataTests
{
    private static readonly TopicConfig Config = new(2, 1_048_576, false);

    private static TopicMetadata Topic(string name, int partitions) =>
        new(name, Config, Enumerable.Range(0, partitions).Select(p => new PartitionMetadata(p, 1, 0, new[] { 1, 2 }, new[] { 1, 2 })).ToArray());

    [Fact]
    public void Empty_has_version_zero_and_no_topics()
    {
        Assert.Equal(0, ClusterMetadata.Empty.Version);
        Assert.Empty(ClusterMetadata.Empty.Topics);
        Assert.Null(ClusterMetadata.Empty.Find(new TopicPartition("t", 0)));
    }

    [Fact]
    public void WithTopic_adds_and_bumps_the_version()
    {
        var m1 = ClusterMetadata.Empty.WithTopic(Topic("a", 2));
        var m2 = m1.WithTopic(Topic("b", 1));
        Assert.Equal(1, m1.Version);
        Assert.Equal(2, m2.Version);
        Assert.Equal(new[] { "a" }, m1.Topics.Keys);
        Assert.Equal(new[] { "a", "b" }, m2.Topics.Keys);
        Assert.Empty(ClusterMetadata.Empty.Topics); // immutable
    }

    [Fact]
    public void WithTopic_replaces_a_topic_of_the_same_name()
    {
        var m = ClusterMetadata.Empty.WithTopic(Topic("a", 2)).WithTopic(Topic("a", 5));
        Assert.Equal(2, m.Version);
        Assert.Single(m.Topics);
        Assert.Equal(5, m.Topics["a"].Partitions.Count);
    }

    [Fact]
    public void WithoutTopic_removes_and_bumps_the_version()
    {
        var m = ClusterMetadata.Empty.WithTopic(Topic("a", 1)).WithTopic(Topic("b", 1)).WithoutTopic("a");
        Assert.Equal(3, m.Version);
        Assert.Equal(new[] { "b" }, m.Topics.Keys);
        var again = m.WithoutTopic("missing");
        Assert.Equal(4, again.Version);
        Assert.Single(again.Topics);
    }

    [Fact]
    public void Topic_names_that_differ_only_in_case_or_punctuation_are_distinct()
    {
        var names = new[] { "a-b", "ab", "a_b", "a.b", "A-B", "AB" };
        var m = names.Aggregate(ClusterMetadata.Empty, (acc, n) => acc.WithTopic(Topic(n, 1)));
        Assert.Equal(names.Length, m.Topics.Count);
        Assert.All(names, n => Assert.Equal(n, m.Topics[n].Name));
    }

    [Fact]
    public void Find_returns_the_partition_or_null()
    {
        var m = ClusterMetadata.Empty.WithTopic(Topic("orders", 3));
        var p = m.Find(new TopicPartition("orders", 2));
        Assert.NotNull(p);
        Assert.Equal(2, p.Partition);
        Assert.Null(m.Find(new TopicPartition("orders", 3)));
        Assert.Null(m.Find(new TopicPartition("orders", -1)));
        Assert.Null(m.Find(new TopicPartition("other", 0)));
    }

    [Fact]
    public void WithPartition_replaces_one_partition_without_touching_the_original()
    {
        var topic = Topic("t", 3);
        var updated = topic.WithPartition(new PartitionMetadata(1, 2, 4, new[] { 1, 2 }, new[] { 2 }));
        Assert.Equal(2, updated.Partitions[1].Leader);
        Assert.Equal(4, updated.Partitions[1].LeaderEpoch);
        Assert.Equal(1, topic.Partitions[1].Leader);
        Assert.Same(topic.Partitions[0], updated.Partitions[0]);
        var m = ClusterMetadata.Empty.WithTopic(topic).WithTopic(updated);
        Assert.Equal(2, m.Find(new TopicPartition("t", 1))!.Leader);
    }

    [Fact]
    public void Offline_means_no_leader()
    {
        Assert.True(new PartitionMetadata(0, -1, 3, new[] { 1 }, new[] { 1 }).IsOffline);
        Assert.False(new PartitionMetadata(0, 0, 3, new[] { 0 }, new[] { 0 }).IsOffline);
    }

    [Fact]
    public void A_new_controller_epoch_outranks_any_version_written_under_an_older_one()
    {
        var m = ClusterMetadata.Empty.WithTopic(Topic("a", 1));
        var claimed = m.NextControllerEpoch();
        Assert.Equal((1, m.Version + 1), (claimed.ControllerEpoch, claimed.Version));

        // A deposed controller keeps changing its own copy: many versions later it still loses to the successor.
        var stale = m;
        for (var i = 0; i < 1000; i++) stale = stale.WithTopic(Topic($"s{i}", 1));
        Assert.True(stale.Version > claimed.Version);
        Assert.True(claimed.IsNewerThan(stale));
        Assert.False(stale.IsNewerThan(claimed));
        Assert.True(claimed.Timestamp > stale.Timestamp);

        // Within one controller epoch, later versions win; changes keep the epoch.
        var next = claimed.WithTopic(Topic("b", 1)).WithoutTopic("a");
        Assert.Equal(1, next.ControllerEpoch);
        Assert.True(next.IsNewerThan(claimed));
        Assert.False(claimed.IsNewerThan(claimed));
    }
}
