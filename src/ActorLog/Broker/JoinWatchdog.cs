using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorLog.Broker;

/// <summary>
/// Gets a broker out of a join that can never finish. A restarted broker asks the seeds to join and is welcomed
/// by the first that answers; if that seed dies before its gossip has told the others, the others do not know
/// the new incarnation and ignore its gossip ("Ignoring received gossip from unknown"), while it ignores theirs
/// (they do not name it). It stays Joining for good, and with it the controller, which waits for a majority of
/// the brokers to be Up. Akka has no way out of this on its own, so once this broker has been Joining (or
/// WeaklyUp) for the timeout, it stops its ActorSystem with <see cref="StuckJoinReason"/>: `actorlog node`
/// then starts a new one in the same process, a new incarnation that joins afresh. A normal join is Up within
/// about a second; one held back by an unreachable member ends when the member is downed (seconds).
/// </summary>
public sealed class JoinWatchdog : ReceiveActor, IWithTimers
{
    public const string Name = "join-watchdog";

    /// <summary>The coordinated-shutdown reason, so `actorlog node` can tell this stop from others and start again.</summary>
    public sealed class StuckJoinReason : CoordinatedShutdown.Reason
    {
        public static readonly StuckJoinReason Instance = new();

        private StuckJoinReason() { }

        /// <summary>EX_TEMPFAIL: a stop to retry, should anything run the broker other than `actorlog node`.</summary>
        public override int ExitCode => 75;

        public override string ToString() => "StuckJoin";
    }

    private sealed record Expired
    {
        public static readonly Expired Instance = new();
    }

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _timeout;

    public JoinWatchdog(TimeSpan timeout)
    {
        _timeout = timeout;
        Receive<ClusterEvent.IMemberEvent>(e => e.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress), OnSelfEvent);
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Expired>(_ => OnExpired());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan timeout) => Akka.Actor.Props.Create(() => new JoinWatchdog(timeout));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnSelfEvent(ClusterEvent.IMemberEvent e)
    {
        if (e.Member.Status is MemberStatus.Joining or MemberStatus.WeaklyUp)
        {
            // Welcomed: the clock runs from here (WeaklyUp after Joining does not restart it).
            if (!Timers.IsTimerActive(nameof(Expired))) Timers.StartSingleTimer(nameof(Expired), Expired.Instance, _timeout);
            return;
        }
        // Up, or already leaving: a member never goes back to Joining, so there is nothing more to watch.
        Timers.CancelAll();
        Context.Stop(Self);
    }

    private void OnExpired()
    {
        var self = _cluster.SelfMember;
        if (self.Status is not (MemberStatus.Joining or MemberStatus.WeaklyUp)) return;
        var state = _cluster.State;
        _log.Error("This broker has been {0} for {1:0.#} s after it was welcomed into the cluster; the members it knows ({2}) are not " +
            "moving it to Up (the seed that welcomed it likely died before telling the others). Restarting its ActorSystem to join afresh",
            self.Status, _timeout.TotalSeconds, string.Join(", ", state.Members.Select(m => $"{m.Address} {m.Status}")));
        // Straight to terminating the system: the leave phases and cluster-shutdown would each wait out their timeouts
        // (5 s for cluster-shutdown, measured) for a removal that cannot come, as nobody can move this member, and a
        // member nobody knows has no shards or singletons to hand over. Its journal writes are done or failed by now.
        CoordinatedShutdown.Get(Context.System).Run(StuckJoinReason.Instance, CoordinatedShutdown.PhaseBeforeActorSystemTerminate);
    }
}
