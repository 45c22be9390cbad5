using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorLog.Metadata.Durable;

/// <summary>
/// Stops the broker when its Distributed Data replicator stops. The replicator stops itself when its durable
/// store cannot load (an unreadable metadata.db): the broker would otherwise stay a cluster member whose every
/// metadata read and shard-location lookup times out. Ending the ActorSystem ends a broker process.
/// </summary>
public sealed class ReplicatorWatch : ReceiveActor
{
    public const string Name = "replicator-watch";

    /// <summary>The coordinated-shutdown reason, so logs and tests can tell this stop from others.</summary>
    public sealed class ReplicatorStoppedReason : CoordinatedShutdown.Reason
    {
        public static readonly ReplicatorStoppedReason Instance = new();

        private ReplicatorStoppedReason() { }

        /// <summary>A failure, not a requested stop (used when coordinated shutdown exits the process).</summary>
        public override int ExitCode => 1;

        public override string ToString() => "distributed-data replicator stopped";
    }

    public ReplicatorWatch(IActorRef replicator)
    {
        Context.Watch(replicator);
        Receive<Terminated>(t => t.ActorRef.Equals(replicator), _ =>
        {
            var shutdown = CoordinatedShutdown.Get(Context.System);
            // Stopping anyway (the replicator goes down with the system): nothing is wrong.
            if (shutdown.ShutdownReason is not null) return;
            // The replicator also stops when this node leaves the cluster: downed (by the others, or by its own split
            // brain resolver after a long pause, finding itself in the minority), leaving, or removed (the cluster is
            // terminated then). The cluster's own shutdown ends the system with its reason (ClusterDowningReason, on
            // which `node` starts the broker again); this watch used to win that race and report unreadable metadata,
            // exit code 1 (PauseTests on CI).
            if (LeftTheCluster(Cluster.Get(Context.System))) return;
            var file = Context.System.Settings.Config.GetString("akka.cluster.distributed-data.durable.sqlite.path", "");
            Context.GetLogger().Error(
                "The distributed-data replicator stopped (see the error before this one; the usual cause is an unreadable " +
                "durable store, SQLite file [{0}]): stopping this broker", file);
            shutdown.Run(ReplicatorStoppedReason.Instance);
        });
    }

    // Not MemberStatus.Removed: that is also a node's status before it has joined, when an unreadable store stops the
    // replicator (FullRestartTests); once removed from the cluster, the cluster extension is terminated anyway.
    private static bool LeftTheCluster(Cluster cluster) =>
        cluster.IsTerminated || cluster.SelfMember.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving;

    public static Props Props(IActorRef replicator) => Akka.Actor.Props.Create(() => new ReplicatorWatch(replicator));
}
