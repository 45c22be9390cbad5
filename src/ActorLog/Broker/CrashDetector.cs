using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace ActorLog.Broker;

/// <summary>
/// Downs a broker whose process is certainly gone, without waiting for the failure detector and the split
/// brain resolver (~7 s together). When the connection to a member drops, or it is reported unreachable, its
/// port is probed: "connection refused" means nothing listens there any more — the process died (kill -9,
/// crash, OOM) — and a dead process cannot come back as the same incarnation, so downing it at once is safe;
/// its replacement joins as a new incarnation. Anything else (connected, timeout: a slow or partitioned broker)
/// is left to the failure detector and the resolver, which handle the cases where death is not certain.
/// </summary>
public sealed class CrashDetector : ReceiveActor, IWithTimers
{
    public const string Name = "crash-detector";

    private sealed record Probe(UniqueAddress Member, int Attempt);

    private sealed record ProbeResult(UniqueAddress Member, int Attempt, bool Refused, string Detail);

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, Member> _members = new();
    private readonly HashSet<UniqueAddress> _probing = new();
    private readonly HashSet<UniqueAddress> _downed = new();
    private readonly TimeSpan _probeTimeout;

    public CrashDetector(TimeSpan probeTimeout)
    {
        _probeTimeout = probeTimeout;
        Receive<ClusterEvent.IClusterDomainEvent>(e =>
        {
            switch (e)
            {
                case ClusterEvent.MemberRemoved r:
                    _members.Remove(r.Member.UniqueAddress);
                    _downed.Remove(r.Member.UniqueAddress);
                    break;
                case ClusterEvent.IMemberEvent m:
                    _members[m.Member.UniqueAddress] = m.Member;
                    break;
                case ClusterEvent.UnreachableMember u:
                    StartProbe(u.Member.UniqueAddress);
                    break;
            }
        });
        Receive<AssociationEvent>(e =>
        {
            if (e is DisassociatedEvent or AssociationErrorEvent)
                foreach (var member in _members.Keys.Where(m => m.Address.Equals(e.RemoteAddress)).ToList())
                    StartProbe(member);
        });
        Receive<Probe>(p => RunProbe(p));
        Receive<ProbeResult>(OnProbeResult);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan probeTimeout) => Akka.Actor.Props.Create(() => new CrashDetector(probeTimeout));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, ClusterView.Events);
        Context.System.EventStream.Subscribe(Self, typeof(AssociationEvent));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void StartProbe(UniqueAddress member)
    {
        if (member.Equals(_cluster.SelfUniqueAddress) || _downed.Contains(member) || !_members.ContainsKey(member) || !_probing.Add(member)) return;
        Self.Tell(new Probe(member, 1));
    }

    private void RunProbe(Probe probe)
    {
        var address = probe.Member.Address;
        var timeout = _probeTimeout;
        PortProbe.ProbeAsync(address.Host!, address.Port ?? 0, timeout).PipeTo(Self,
            success: r => new ProbeResult(probe.Member, probe.Attempt, r.Outcome == PortProbe.Outcome.Refused, r.Detail),
            failure: ex => new ProbeResult(probe.Member, probe.Attempt, false, ex.Message));
    }

    private void OnProbeResult(ProbeResult result)
    {
        if (!result.Refused || !_members.TryGetValue(result.Member, out var member))
        {
            _probing.Remove(result.Member);
            return;
        }
        // Twice, a moment apart: one refusal could only be a port reused in between, never a live broker, but
        // the second look costs 100 ms and nothing else.
        if (result.Attempt == 1)
        {
            Timers.StartSingleTimer(("probe", result.Member), new Probe(result.Member, 2), TimeSpan.FromMilliseconds(100));
            return;
        }
        _probing.Remove(result.Member);
        _downed.Add(result.Member);
        _log.Warning("Broker {0} at {1} is gone ({2}): downing it now instead of waiting for the failure detector",
            BrokerDirectory.BrokerIdOf(member)?.ToString() ?? "?", member.Address, result.Detail);
        _cluster.Down(member.Address);
        // A downed member is removed only once every member's view converges, and convergence waits for members
        // that still look reachable, which a dead one does until the failure detector gives up on it (~3 s). The
        // shard coordinator and the singletons move only on removal. Quarantining this incarnation marks it
        // TERMINATED in the local reachability (Akka's reaction to quarantine), so the view converges without it
        // and it is removed within a gossip round. Its process is gone; a restart is a new incarnation (new uid).
        if (Context.System is ExtendedActorSystem { Provider: IRemoteActorRefProvider remote })
            remote.Quarantine(member.Address, result.Member.Uid);
    }
}
