using System.CommandLine;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using ActorLog.Client;
using ActorLog.Common;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog bench rebalance: how long a consumer group takes to settle after each kind of membership change:
/// M members joining a new group, one more joining (scale-out), one closing (graceful leave), one vanishing
/// without a leave (crash, bounded below by the session timeout). Settled = every partition owned by exactly one
/// member as the members themselves see it (their Assignment: what they read), and the coordinator Stable with
/// the same assignment. Each phase is timed to the first moment the members' view was the settled one.
/// A fresh group per round keeps rounds independent; each member has its own connection (BenchRebalanceMember).
/// </summary>
internal static class BenchRebalanceCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    // The figure comes from the members' view, polled every PollInterval; the coordinator is asked only to confirm
    // a view that already looks settled, and not more often than this, so the polling barely loads it.
    private static readonly TimeSpan DescribeInterval = TimeSpan.FromMilliseconds(100);

    public static Command Create()
    {
        var topic = new Option<string>("--topic") { Description = "Topic the group reads (it must exist)", DefaultValueFactory = _ => "bench" };
        var members = new Option<int>("--members") { Description = "Members of the group (at least 2: one leaves, one crashes)", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each with a new group", DefaultValueFactory = _ => 5 };
        var session = new Option<int>("--session-timeout-ms")
        {
            Description = "Members' session timeout (the broker allows actorlog.groups.min/max-session-timeout, 1-60 s by default)",
            DefaultValueFactory = _ => 10_000,
        };
        var jitter = new Option<int>("--jitter-ms")
        {
            // A phase ends at some member's heartbeat and the members' heartbeats run in step (they joined together),
            // so a change made right away lands at the same point of the heartbeat cycle every round: the worst one
            // (a graceful leave then took 1.00 s each time). A real change comes at a random point of the cycle.
            Description = "Wait a random 0..N ms before each change, so it comes at a random point of the members' heartbeat " +
                "cycle (the broker's groups.heartbeat-interval, 1 s by default); 0 = change as soon as the previous phase settled",
            DefaultValueFactory = _ => 1000,
        };
        var cmd = new Command("rebalance", "Time for a consumer group to settle after members join, scale out, leave and crash")
            { topic, members, rounds, session, jitter };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            if (r.GetValue(members) < 2) throw new ArgumentException("--members must be at least 2 (one member leaves and another crashes)");
            if (r.GetValue(rounds) < 1) throw new ArgumentException("--rounds must be at least 1");
            if (r.GetValue(session) < 1) throw new ArgumentException("--session-timeout-ms must be positive");
            if (r.GetValue(jitter) < 0) throw new ArgumentException("--jitter-ms must not be negative");
            var name = r.GetValue(topic)!;
            var partitions = (await client.DescribeTopicAsync(name, ct)).Partitions.Select(p => new TopicPartition(name, p.Partition)).ToList();
            var run = new Run(client, r.GetValue(CommonOptions.Bootstrap)!, name, partitions, r.GetValue(members),
                TimeSpan.FromMilliseconds(r.GetValue(session)), r.GetValue(jitter));
            var results = new List<RoundResult>();
            for (var round = 1; round <= r.GetValue(rounds); round++)
            {
                var result = await RunRound(run, round, ct);
                results.Add(result);
                await Console.Error.WriteLineAsync($"  round {round}/{r.GetValue(rounds)} (group {result.Group}): " +
                    string.Join("; ", result.Phases.Select(Describe)));
            }
            var summary = new RebalanceBenchResult(name, partitions.Count, run.Members, r.GetValue(session), run.JitterMs,
                results[0].Phases.Select(p => Summarize(results.Select(x => x.Phases.Single(q => q.Phase == p.Phase)).ToList())).ToList(),
                results);
            if (CommonOptions.Json(r)) Output.Json(summary);
            else PrintTable(summary);
            return 0;
        }));
        return cmd;
    }

    /// <summary>What every round needs: the admin client (describes the group), where members connect, and the topic.</summary>
    private sealed record Run(ActorLogClient Admin, string Bootstrap, string Topic, IReadOnlyList<TopicPartition> Partitions, int Members,
        TimeSpan SessionTimeout, int JitterMs);

    /// <param name="Moved">Partitions whose owner changed (null for the join: nobody owned anything before).</param>
    /// <param name="Stayed">Partitions with the same owner before and after.</param>
    /// <param name="Kept">Of those, partitions never revoked on the way: read without a pause (no stop-the-world).</param>
    /// <param name="Revoked">Revocations seen by the members that remain (a partition revoked twice counts twice).</param>
    public sealed record PhaseResult(string Phase, int MembersBefore, int MembersAfter, double Ms, int? Moved, int? Stayed, int? Kept,
        int Revoked);

    public sealed record RoundResult(int Round, string Group, IReadOnlyList<PhaseResult> Phases);

    /// <param name="Stayed">Summed over the rounds, as is Kept.</param>
    public sealed record PhaseSummary(string Phase, int MembersBefore, int MembersAfter, double MinMs, double MedianMs, double MaxMs,
        int? MinMoved, int? MaxMoved, int? Stayed, int? Kept, int MinRevoked, int MaxRevoked);

    public sealed record RebalanceBenchResult(string Topic, int Partitions, int Members, int SessionTimeoutMs, int JitterMs,
        IReadOnlyList<PhaseSummary> Phases, IReadOnlyList<RoundResult> Rounds);

    private static async Task<RoundResult> RunRound(Run run, int round, CancellationToken ct)
    {
        var group = $"rebalance-{Guid.NewGuid():N}"[..18];
        var all = new List<BenchRebalanceMember>();
        try
        {
            async Task<BenchRebalanceMember> Connect()
            {
                var member = await BenchRebalanceMember.ConnectAsync(all.Count + 1, run.Bootstrap, group, run.Topic, run.SessionTimeout, ct);
                all.Add(member);
                return member;
            }

            var live = new List<BenchRebalanceMember>();
            for (var i = 0; i < run.Members; i++) live.Add(await Connect());
            var phases = new List<PhaseResult>();
            var clock = Stopwatch.StartNew();
            foreach (var member in live) member.Start();
            phases.Add(await SettleAsync(run, group, "join", 0, live, clock, null, ct));

            var newcomer = await Connect();
            var before = await BeginAsync(run, live, ct);
            live.Add(newcomer);
            clock.Restart();
            newcomer.Start();
            phases.Add(await SettleAsync(run, group, "scale-out", run.Members, live, clock, before, ct));

            var leaving = live[0];
            before = await BeginAsync(run, live, ct);
            live.Remove(leaving);
            clock.Restart();
            await leaving.CloseAsync();
            phases.Add(await SettleAsync(run, group, "leave", run.Members + 1, live, clock, before, ct));

            var crashing = live[0];
            before = await BeginAsync(run, live, ct);
            live.Remove(crashing);
            clock.Restart();
            await crashing.CrashAsync();
            phases.Add(await SettleAsync(run, group, "crash", run.Members, live, clock, before, ct));
            return new RoundResult(round, group, phases);
        }
        finally
        {
            await Task.WhenAll(all.Select(m => m.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Waits the jitter, then: who owns what before a change (partition → member number); forgets revocations seen so far.</summary>
    private static async Task<Dictionary<TopicPartition, int>> BeginAsync(Run run, IReadOnlyList<BenchRebalanceMember> live, CancellationToken ct)
    {
        if (run.JitterMs > 0) await Task.Delay(Random.Shared.Next(run.JitterMs + 1), ct);
        foreach (var member in live) member.TakeRevoked();
        return Owners(live.Select(m => (m, m.Consumer.Assignment)).ToList());
    }

    /// <summary>Waits until the group is settled and returns when the members' view first showed that settled assignment.</summary>
    private static async Task<PhaseResult> SettleAsync(Run run, string group, string phase, int membersBefore,
        IReadOnlyList<BenchRebalanceMember> live, Stopwatch clock, Dictionary<TopicPartition, int>? before, CancellationToken ct)
    {
        // Past the session timeout a silent member is gone; far past it something is wrong, and waiting longer won't tell what.
        var deadline = clock.Elapsed + run.SessionTimeout + TimeSpan.FromSeconds(30);
        string? view = null;
        var viewSince = TimeSpan.Zero;
        var lastDescribe = -DescribeInterval;
        GroupDescription? described = null;
        while (true)
        {
            foreach (var member in live)
                if (member.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
            var views = live.Select(m => (Member: m, Assignment: m.Consumer.Assignment)).ToList();
            var signature = string.Join(" ", views.Select(v => $"{v.Member.Number}:[{Output.Ids(v.Assignment.Select(p => p.Partition).Order())}]"));
            if (signature != view) (view, viewSince) = (signature, clock.Elapsed);
            if (ExactlyOnce(views, run.Partitions) && clock.Elapsed - lastDescribe >= DescribeInterval)
            {
                lastDescribe = clock.Elapsed;
                described = await run.Admin.DescribeGroupAsync(group, ct);
                if (Confirms(described, views))
                {
                    var revoked = live.ToDictionary(m => m.Number, m => m.TakeRevoked());
                    var after = Owners(views);
                    var stayed = before is null ? null : run.Partitions.Where(p => before[p] == after[p]).ToList();
                    return new PhaseResult(phase, membersBefore, live.Count, Math.Round(viewSince.TotalMilliseconds, 1),
                        before is null ? null : run.Partitions.Count - stayed!.Count,
                        stayed?.Count,
                        stayed?.Count(p => !revoked[after[p]].Contains(p)),
                        revoked.Values.Sum(r => r.Count));
                }
            }
            if (clock.Elapsed > deadline)
                throw new ActorLogException(ErrorCode.RequestTimedOut, $"Group [{group}], {Label(phase, membersBefore, live.Count)}: " +
                    $"not settled after {clock.Elapsed.TotalSeconds:0.0} s; members' view {signature}; coordinator: {described?.State ?? "not asked"}");
            await Task.Delay(PollInterval, ct);
        }
    }

    private static bool ExactlyOnce(IReadOnlyList<(BenchRebalanceMember Member, IReadOnlyCollection<TopicPartition> Assignment)> views,
        IReadOnlyList<TopicPartition> partitions)
    {
        var owned = views.SelectMany(v => v.Assignment).ToList();
        return owned.Count == partitions.Count && owned.ToHashSet().SetEquals(partitions);
    }

    /// <summary>Stable, with exactly these members, each owning what it reads (a view can be exactly-once and still unbalanced).</summary>
    private static bool Confirms(GroupDescription d,
        IReadOnlyList<(BenchRebalanceMember Member, IReadOnlyCollection<TopicPartition> Assignment)> views) =>
        d.State == "Stable" && d.Members.Count == views.Count && views.All(v =>
            d.Members.FirstOrDefault(m => m.MemberId == v.Member.Consumer.MemberId) is { } m && m.Assigned.ToHashSet().SetEquals(v.Assignment));

    private static Dictionary<TopicPartition, int> Owners(
        IEnumerable<(BenchRebalanceMember Member, IReadOnlyCollection<TopicPartition> Assignment)> views) =>
        views.SelectMany(v => v.Assignment.Select(p => (p, v.Member.Number))).ToDictionary(x => x.p, x => x.Number);

    private static PhaseSummary Summarize(IReadOnlyList<PhaseResult> rounds)
    {
        var ms = rounds.Select(p => p.Ms).Order().ToList();
        var median = ms.Count % 2 == 1 ? ms[ms.Count / 2] : (ms[ms.Count / 2 - 1] + ms[ms.Count / 2]) / 2;
        var moved = rounds.Select(p => p.Moved).OfType<int>().ToList();
        int? Sum(Func<PhaseResult, int?> of) => rounds[0].Moved is null ? null : rounds.Sum(p => of(p) ?? 0);
        return new PhaseSummary(rounds[0].Phase, rounds[0].MembersBefore, rounds[0].MembersAfter, ms[0], median, ms[^1],
            moved.Count == 0 ? null : moved.Min(), moved.Count == 0 ? null : moved.Max(),
            Sum(p => p.Stayed), Sum(p => p.Kept), rounds.Min(p => p.Revoked), rounds.Max(p => p.Revoked));
    }

    private static string Describe(PhaseResult p) =>
        $"{Label(p.Phase, p.MembersBefore, p.MembersAfter)} {p.Ms:N0} ms" +
        (p.Moved is null ? "" : $", {p.Moved} moved, {p.Kept}/{p.Stayed} kept") + $", {p.Revoked} revoked";

    private static string Label(string phase, int before, int after) =>
        before == 0 ? $"{phase} ({after} members)" : $"{phase} ({before} → {after})";

    private static void PrintTable(RebalanceBenchResult result)
    {
        Console.Out.WriteLine($"{result.Rounds.Count} round(s), a new group each, reading {result.Topic} ({result.Partitions} partitions); " +
            $"session timeout {result.SessionTimeoutMs} ms, jitter 0-{result.JitterMs} ms. " +
            "Time: change → every partition owned by exactly one member, group Stable.");
        static string Range(int? min, int? max) => min is null ? "-" : min == max ? $"{min}" : $"{min}-{max}";
        Output.Table(new[] { "PHASE", "MIN ms", "MEDIAN ms", "MAX ms", "MOVED", "KEPT/STAYED", "REVOKED" },
            result.Phases.Select(p => (IReadOnlyList<string>)new[]
            {
                Label(p.Phase, p.MembersBefore, p.MembersAfter), $"{p.MinMs:N0}", $"{p.MedianMs:N0}", $"{p.MaxMs:N0}",
                Range(p.MinMoved, p.MaxMoved), p.Stayed is null ? "-" : $"{p.Kept}/{p.Stayed}", Range(p.MinRevoked, p.MaxRevoked),
            }));
        Console.Out.WriteLine("MOVED: partitions whose owner changed; KEPT/STAYED: of the partitions that stayed with their owner " +
            "(all rounds), those never revoked on the way; REVOKED: revocations seen by the members that remain.");
    }
}
