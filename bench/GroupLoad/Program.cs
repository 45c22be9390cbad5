using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Common;
using static ActorLog.Groups.GroupProtocol;

// bench/group-load.sh drives this against a running cluster:
//   fill BOOTSTRAP GROUPS COMMITS   each group joins and leaves (its group record), then commits COMMITS times (admin
//                                    resets of every partition of the topic "group-load", offsets 1..COMMITS)
//   load BOOTSTRAP GROUPS COMMITS   asks every group for its offsets at once and times the answers; checks them
if (args.Length != 4 || args[0] is not ("fill" or "load"))
{
    Console.Error.WriteLine("usage: GroupLoad fill|load BOOTSTRAP GROUPS COMMITS");
    return 2;
}
var (mode, bootstrap, groups, commits) = (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]));
const string Topic = "group-load";
const int Partitions = 8;
await using var client = await ActorLogClient.ConnectAsync(bootstrap);
var ids = Enumerable.Range(0, groups).Select(g => $"group-{g:D4}").ToArray();

if (mode == "fill")
{
    try { await client.CreateTopicAsync(Topic, partitions: Partitions, replicationFactor: 1); }
    catch (ActorLogException e) when (e.Code == ErrorCode.TopicAlreadyExists) { }
    var done = 0;
    var clock = Stopwatch.StartNew();
    using var progress = new Timer(_ => Console.Error.Write($"\r{Volatile.Read(ref done):N0} of {groups * commits:N0} commits, {clock.Elapsed.TotalSeconds:F0} s"),
        null, 1000, 1000);
    await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
    {
        var joined = await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(id, "", JoinEpoch, [Topic], "", 0, null), ct);
        if (joined.Error is { } error) throw new ActorLogException(error);
        await client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(id, joined.MemberId, LeaveEpoch, [Topic], "", 0, null), ct);
        for (var c = 1; c <= commits; c++)
        {
            await client.ResetOffsetsAsync(id, Topic, ResetTarget.Offset, c, ct);
            Interlocked.Increment(ref done);
        }
    });
    Console.Error.WriteLine();
    Console.WriteLine($"{groups * commits:N0} commits of {Partitions} offsets in {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

var times = new double[groups];
var wall = Stopwatch.StartNew();
await Task.WhenAll(ids.Select(async (id, i) =>
{
    var one = Stopwatch.StartNew();
    var offsets = await client.FetchOffsetsAsync(id);
    times[i] = one.Elapsed.TotalMilliseconds;
    if (offsets.Count != Partitions || offsets.Any(o => o.Offset != commits))
        throw new InvalidOperationException($"{id}: offsets {string.Join(",", offsets.Select(o => o.Offset))}, expected {commits} for each of {Partitions}");
}));
Array.Sort(times);
Console.WriteLine($"{groups} groups answered their offsets in {wall.Elapsed.TotalMilliseconds:F0} ms (each: p50 {times[groups / 2]:F0} ms, " +
    $"max {times[^1]:F0} ms); every offset as committed");
return 0;
