using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorLog.Broker;

/// <summary>
/// Gets a broker out of a membership that can never become whole (docs/design.md decisions 37 and 40). A restarted
/// broker asks the seeds to join and is welcomed by the first that answers; if that seed dies before its gossip has
/// told the others, the others do not know the new incarnation and ignore its gossip ("Ignoring received gossip
/// from unknown"), and Akka has no way out of that on its own. The broker then stops its ActorSystem with
/// <see cref="StuckJoinReason"/> and `actorlog node` starts a new one in the same process, a new incarnation that
/// joins afresh (its data stays). It does so when, for their timeouts:
/// <list type="bullet">
/// <item>it is Joining and an Up member it reaches has not seen its gossip (<see cref="UnseenMembers"/>): that member
/// does not know it;</item>
/// <item>it is still Joining or WeaklyUp after it was welcomed (the backstop: its leader cannot move it to Up);</item>
/// <item>it is Up in a view with less than a majority of the seeds while an earlier seed, not in the view, is
/// alive: two clusters formed, and the later one joins the earlier (<see cref="SplitView"/>).</item>
/// </list>
/// A normal join is Up within about a second, and every reachable member sees new gossip within a round or two.
/// </summary>
public sealed class JoinWatchdog : ReceiveActor, IWithTimers
{
    public const string Name = "join-watchdog";
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The coordinated-shutdown reason, so `actorlog node` can tell this stop from others and start again.</summary>
    public sealed class StuckJoinReason : CoordinatedShutdown.Reason
    {
        public StuckJoinReason(string why) => Why = why;

        /// <summary>Which check found the membership stuck, and what it saw.</summary>
        public string Why { get; }

        /// <summary>EX_TEMPFAIL: a stop to retry, should anything run the broker other than `actorlog node`.</summary>
        public override int ExitCode => 75;

        public override string ToString() => "StuckJoin";
    }

    /// <param name="StuckJoin">Still Joining this long after the welcome, or alone in a split view this long (null: neither check).</param>
    /// <param name="UnseenGossip">Joining, and an Up, reachable member missing from the gossip's seen set this long (null: no check).</param>
    /// <param name="ProbeTimeout">How long a probe of an absent seed's port may take.</param>
    /// <param name="Seeds">The seeds in their configured order (null: this node's akka.cluster.seed-nodes).</param>
    public sealed record Settings(TimeSpan? StuckJoin, TimeSpan? UnseenGossip, TimeSpan ProbeTimeout, IReadOnlyList<Address>? Seeds = null);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record JoinExpired
    {
        public static readonly JoinExpired Instance = new();
    }

    private sealed record SeedsProbed(IReadOnlyList<Address> Alive);

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly UnseenMembers _unseen = new();
    private readonly Settings _settings;
    private readonly IReadOnlyList<Address> _seeds;
    private MemberStatus? _self;
    private bool _probing;
    private TimeSpan? _splitSince;

    public JoinWatchdog(Settings settings)
    {
        _settings = settings;
        _seeds = settings.Seeds ?? _cluster.Settings.SeedNodes;
        Receive<ClusterEvent.IMemberEvent>(e => e.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress), OnSelfEvent);
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<JoinExpired>(_ => OnJoinExpired());
        Receive<Tick>(_ => OnTick());
        Receive<SeedsProbed>(OnSeedsProbed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Settings settings) => Akka.Actor.Props.Create(() => new JoinWatchdog(settings));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnSelfEvent(ClusterEvent.IMemberEvent e)
    {
        _self = e.Member.Status;
        switch (e.Member.Status)
        {
            case MemberStatus.Joining or MemberStatus.WeaklyUp:
                // Welcomed: the clock runs from here (WeaklyUp after Joining does not restart it).
                if (_settings.StuckJoin is { } stuck && !Timers.IsTimerActive(nameof(JoinExpired)))
                    Timers.StartSingleTimer(nameof(JoinExpired), JoinExpired.Instance, stuck);
                KeepTicking(true);
                break;
            case MemberStatus.Up:
                Timers.Cancel(nameof(JoinExpired));
                // Once Up, only the split-view check is left to tick for, and the stuck-join timeout switches it on.
                KeepTicking(_settings.StuckJoin is not null);
                break;
            default:
                // Leaving, down or removed: on its way out, which no restart should interrupt.
                Timers.CancelAll();
                Context.Stop(Self);
                break;
        }
    }

    private void KeepTicking(bool needed)
    {
        if (!needed) Timers.Cancel(nameof(Tick));
        else if (!Timers.IsTimerActive(nameof(Tick))) Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, TickInterval);
    }

    private void OnJoinExpired()
    {
        if (_self is not (MemberStatus.Joining or MemberStatus.WeaklyUp)) return;
        Restart($"This broker has been {_self} for {_settings.StuckJoin!.Value.TotalSeconds:0.#} s after it was welcomed into the cluster; " +
            "the members it knows are not moving it to Up (the seed that welcomed it likely died before telling the others)");
    }

    private void OnTick()
    {
        var state = _cluster.State;
        var self = _cluster.SelfAddress;
        var now = _clock.Elapsed;
        // Only while joining: once Up, an old incarnation of a member restarted at the same address looks reachable
        // (heartbeats are kept per address, and its successor answers them) until its successor's join downs it, and
        // a healthy member must not restart for that. An Up broker cut off for good is SplitView's case.
        if (_settings.UnseenGossip is { } unseenTimeout && _self is MemberStatus.Joining or MemberStatus.WeaklyUp)
        {
            var expected = state.Members
                .Where(m => m.Status == MemberStatus.Up && !m.Address.Equals(self) && !state.Unreachable.Contains(m))
                .Select(m => m.Address);
            if (_unseen.Look(expected, state.SeenBy, now, unseenTimeout) is { Count: > 0 } unseen)
            {
                Restart($"Member(s) {string.Join(", ", unseen)}, Up and reachable, have not taken in this broker's gossip for " +
                    $"{unseenTimeout.TotalSeconds:0.#} s: they do not know this incarnation (the seed that welcomed it likely died before telling them)");
                return;
            }
        }
        if (_settings.StuckJoin is null || _self != MemberStatus.Up || _probing) return;
        // Unreachable members count as present: reachability is the split brain resolver's business; a split view is
        // one whose members are gone from it altogether (removed, or downed) while their process still runs.
        var members = state.Members
            .Where(m => m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)
            .Select(m => m.Address).ToHashSet();
        var suspects = SplitView.EarlierAbsentSeeds(_seeds, self, members);
        if (suspects.Count == 0)
        {
            _splitSince = null;
            return;
        }
        _probing = true;
        var timeout = _settings.ProbeTimeout;
        ProbeAllAsync(suspects, timeout).PipeTo(Self, success: alive => new SeedsProbed(alive), failure: _ => new SeedsProbed([]));
    }

    private static async Task<IReadOnlyList<Address>> ProbeAllAsync(IReadOnlyList<Address> seeds, TimeSpan timeout)
    {
        var outcomes = await Task.WhenAll(seeds.Select(s => PortProbe.ProbeAsync(s.Host!, s.Port ?? 0, timeout)));
        return seeds.Where((_, i) => outcomes[i].Outcome == PortProbe.Outcome.Listening).ToList();
    }

    private void OnSeedsProbed(SeedsProbed probed)
    {
        _probing = false;
        if (probed.Alive.Count == 0 || _self != MemberStatus.Up)
        {
            _splitSince = null;
            return;
        }
        var now = _clock.Elapsed;
        _splitSince ??= now;
        if (now - _splitSince < _settings.StuckJoin) return;
        Restart($"This broker's cluster has held less than a majority of the seeds for {_settings.StuckJoin!.Value.TotalSeconds:0.#} s " +
            $"while seed(s) {string.Join(", ", probed.Alive)}, earlier in the list and not in it, are alive: they run a cluster of their own, " +
            "which this broker joins");
    }

    private void Restart(string why)
    {
        _log.Error("{0}. Restarting this broker's ActorSystem to join afresh (members known: {1})", why,
            string.Join(", ", _cluster.State.Members.Select(m => $"{m.Address} {m.Status}")));
        Timers.CancelAll();
        // Straight to terminating the system: the leave phases and cluster-shutdown would each wait out their timeouts
        // (5 s for cluster-shutdown, measured) for a removal that cannot come, as nobody can move this member, and a
        // member nobody knows has no shards or singletons to hand over. Its journal writes are done or failed by now.
        CoordinatedShutdown.Get(Context.System).Run(new StuckJoinReason(why), CoordinatedShutdown.PhaseBeforeActorSystemTerminate);
        Context.Become(_ => { });
    }
}
