using Akka.Actor;
using Akka.TestKit;
using ActorLog.Common;
using ActorLog.Groups;
using ActorLog.Groups.Coordinator;
using ActorLog.Groups.Offsets;
using ActorLog.Log;
using ActorLog.Partition;
using Xunit;

namespace ActorLog.Tests.Groups;

/// <summary>
/// The broker's offsets loader, its replica manager played by a probe: one read of a partition serves every group loading
/// from it, a later load reads on from where the fold stopped, a log start moved past the fold (the offsets topic's
/// cleaning) folds again from there, and a new leader epoch folds again from the start.
/// </summary>
public sealed class OffsetsLoaderSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TopicPartition OffsetsTp = new(OffsetsTopic.Name, 2);
    private static readonly TopicPartition Orders0 = new("orders", 0);

    private readonly TestProbe _replicaManager;
    private readonly IActorRef _loader;

    public OffsetsLoaderSpec() : base("akka.loglevel = WARNING")
    {
        _replicaManager = CreateTestProbe();
        _loader = Sys.ActorOf(OffsetsLoader.Props(_replicaManager.Ref));
    }

    private static OffsetsRecord Commit(string group, long offset) => new OffsetCommitRecord(group, Orders0, new OffsetValue(offset, "", 1, 0));

    private static RecordBatch Batch(long baseOffset, params OffsetsRecord[] records) =>
        new(baseOffset, 0, -1, -1, records.Select(r => OffsetsRecordCodec.Encode(r, 0)).ToArray());

    /// <summary>Expects the loader's next read and answers it.</summary>
    private void Serve(long expectedOffset, long highWatermark, long logStart, params RecordBatch[] batches)
    {
        var fetch = _replicaManager.ExpectMsg<PartitionProtocol.Fetch>();
        Assert.Equal((OffsetsTp, expectedOffset), (fetch.Partition, fetch.Offset));
        _replicaManager.Reply(new PartitionProtocol.FetchResult(OffsetsTp, highWatermark, logStart, batches, null));
    }

    private static long OffsetOf(OffsetsLoader.Loaded loaded) => loaded.Offsets!.Find(Orders0)!.Offset;

    [Fact]
    public void One_read_serves_every_group_of_the_partition_and_later_loads_read_on_from_there()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 4, 4), a.Ref);
        _loader.Tell(new OffsetsLoader.Load("b", OffsetsTp, 4, 4), b.Ref);
        Serve(0, 4, 0, Batch(0, Commit("a", 10), Commit("b", 20)), Batch(2, Commit("a", 11), Commit("c", 5)));
        Assert.Equal(11, OffsetOf(a.ExpectMsg<OffsetsLoader.Loaded>()));
        Assert.Equal(20, OffsetOf(b.ExpectMsg<OffsetsLoader.Loaded>()));
        _replicaManager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Already folded that far: answered without a read; a group with no record gets empty offsets.
        _loader.Tell(new OffsetsLoader.Load("none", OffsetsTp, 4, 4), a.Ref);
        Assert.True(a.ExpectMsg<OffsetsLoader.Loaded>().Offsets!.IsEmpty);
        _replicaManager.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Later, at the same epoch: only what was written since is read.
        _loader.Tell(new OffsetsLoader.Load("b", OffsetsTp, 4, 5), b.Ref);
        Serve(4, 5, 0, Batch(4, Commit("b", 21)));
        Assert.Equal(21, OffsetOf(b.ExpectMsg<OffsetsLoader.Loaded>()));
    }

    [Fact]
    public void Each_load_gets_its_own_copy()
    {
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 1), TestActor);
        Serve(0, 1, 0, Batch(0, Commit("a", 10)));
        var first = ExpectMsg<OffsetsLoader.Loaded>().Offsets!;
        first.Apply(Commit("a", 99));
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 1), TestActor);
        Assert.Equal(10, OffsetOf(ExpectMsg<OffsetsLoader.Loaded>()));
    }

    [Fact]
    public void A_log_start_past_the_fold_folds_again_from_there()
    {
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 2), TestActor);
        Serve(0, 2, 0, Batch(0, Commit("a", 10), Commit("b", 1)));
        ExpectMsg<OffsetsLoader.Loaded>();

        // Cleaning moved the start to 5 meanwhile: the read at 2 is out of range, and the log from 5 says everything.
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 7), TestActor);
        var fetch = _replicaManager.ExpectMsg<PartitionProtocol.Fetch>();
        Assert.Equal(2, fetch.Offset);
        _replicaManager.Reply(new PartitionProtocol.FetchResult(OffsetsTp, 7, 5, Array.Empty<RecordBatch>(),
            new ErrorInfo(ErrorCode.OffsetOutOfRange, "cleaned")));
        Serve(5, 7, 5, Batch(5, Commit("a", 12), Commit("a", 13)));
        Assert.Equal(13, OffsetOf(ExpectMsg<OffsetsLoader.Loaded>()));
    }

    [Fact]
    public void A_new_leader_epoch_folds_again_from_the_start_and_an_older_one_is_refused()
    {
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 1), TestActor);
        Serve(0, 1, 0, Batch(0, Commit("a", 10)));
        ExpectMsg<OffsetsLoader.Loaded>();

        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 2, 1), TestActor);
        Serve(0, 1, 0, Batch(0, Commit("a", 30)));
        var loaded = ExpectMsg<OffsetsLoader.Loaded>();
        Assert.Equal((2, 30L), (loaded.LeaderEpoch, OffsetOf(loaded)));

        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 1), TestActor);
        Assert.Equal(ErrorCode.NotCoordinator, ExpectMsg<OffsetsLoader.Loaded>().Error!.Code);
    }

    [Fact]
    public void A_failed_read_fails_the_waiting_loads_with_NotCoordinator()
    {
        _loader.Tell(new OffsetsLoader.Load("a", OffsetsTp, 1, 1), TestActor);
        _replicaManager.ExpectMsg<PartitionProtocol.Fetch>();
        _replicaManager.Reply(new PartitionProtocol.FetchResult(OffsetsTp, 0, 0, Array.Empty<RecordBatch>(),
            new ErrorInfo(ErrorCode.NotLeaderOrFollower, "not the leader")));
        var loaded = ExpectMsg<OffsetsLoader.Loaded>();
        Assert.Equal(ErrorCode.NotCoordinator, loaded.Error!.Code);
        Assert.Contains("not the leader", loaded.Error.Message);
    }
}
